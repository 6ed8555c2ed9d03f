"""Vouching for closed networks (`[membership] vouches = N`, 0: off). A member who joins with an invite code is a
newcomer until N members have vouched for them with /vouch. Newcomers use the bot, but are not proposed as partners,
see no commitments shared with the network and receive only broadcasts meant for newcomers. Who brought whom in
(the maker of the invite used) and who vouched for whom are recorded: organisers see the invite tree (/tree) and
can block a whole branch at once (/branch), after a confirmation that counts who would be blocked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from markupsafe import Markup

from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines
from handlers.roles import resolve_member, role_of_member, suspended_notice
from storage.vouching import TreeNode

router = Router("vouching")

TREE_LIMIT = 2000  # members drawn in /tree
TREE_LINES = 200  # lines shown


@dataclass(frozen=True)
class Branch:
    """A branch to block: its root, and how many it held when counted (a changed branch is counted again)."""

    root: int
    size: int


def _off() -> Reply:
    return Reply(_("This network does not use vouching: every member who joins is a full member."))


@router.command("vouch", Role.MEMBER, N_("vouch for a newcomer you know"), usage=N_("/vouch <newcomer>"), order=57,
                params=(Param("newcomer", N_("their number (#12) or exact name"), required=True, longest=64),))
async def vouch(ctx: Context, args: Args) -> Reply:
    if not ctx.network.vouches:
        return _off()
    if await ctx.repos.vouches.is_newcomer(ctx.member_id):
        return Reply(join_lines(
            _("You are a newcomer: once {needed} members have vouched for you, you are a full member. You have "
              "{n} so far.", needed=ctx.network.vouches, n=await ctx.repos.vouches.vouches_for(ctx.member_id)),
            _("Members who know you vouch for you with /vouch #{id}.", id=ctx.member_id)))
    text = " ".join(args.values.get("newcomer", args.text).split())[:64]
    if not text:
        return Reply(_("Send /vouch and the newcomer's number (#12) or exact name."))
    found = [m for m in await ctx.repos.vouches.newcomers_named(text) if m != ctx.member_id]
    if len(found) != 1:  # nobody, a full member, or several: the same words, so names cannot be probed
        return Reply(_("No newcomer matches “{text}”. A newcomer's number is what /vouch shows them.", text=text))
    newcomer = await ctx.repos.members.get(found[0])
    result = await ctx.repos.vouches.vouch(found[0], ctx.member_id, ctx.network.vouches, ctx.now)
    name = newcomer.display_name or f"#{newcomer.id}"
    if result is None:
        return Reply(_("You have already vouched for {name}.", name=name))
    count, full = result
    if full:
        await ctx.tell(newcomer.id, lambda: _("Members have vouched for you: you are now a full member of {network}.",
                                              network=ctx.network.name))
        return Reply(_("Thank you. With your word {name} is now a full member.", name=name))
    return Reply(_n("Thank you. {name} has {n} vouch of the {needed} needed.",
                    "Thank you. {name} has {n} vouches of the {needed} needed.", count, name=name,
                    needed=ctx.network.vouches))


@router.command("tree", Role.ORGANISER, N_("the invite tree: who brought whom in, and newcomers' vouches"),
                usage=N_("/tree"), order=33)
async def tree(ctx: Context, args: Args) -> Reply:
    nodes = await ctx.repos.vouches.tree(TREE_LIMIT)
    children: dict[int | None, list[TreeNode]] = defaultdict(list)
    ids = {n.member_id for n in nodes}
    for node in nodes:
        children[node.invited_by if node.invited_by in ids else None].append(node)
    lines: list[Markup] = [_("<b>Who brought whom in</b> (by the invite they used):")]

    def walk(node: TreeNode, depth: int) -> None:
        if len(lines) > TREE_LINES:
            return
        marks = []
        if node.newcomer:
            marks.append(str(_("newcomer, {n} of {needed} vouches", n=node.vouches, needed=ctx.network.vouches)))
        if node.blocked:
            marks.append(str(_("blocked")))
        label = _("{indent}#{id} {name}", indent="  " * depth + ("└ " if depth else ""), id=node.member_id,
                  name=node.name or "…")
        lines.append(label + (Markup(" (") + Markup(", ").join(marks) + Markup(")") if marks else Markup("")))
        for child in children.get(node.member_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    if len(lines) > TREE_LINES:
        lines = lines[:TREE_LINES] + [_("… and more: /branch and a number shows one branch.")]
    lines.append(_("<i>/branch and a number shows someone's branch, to block it all at once.</i>"))
    return Reply(join_lines(*lines))


@router.command("branch", Role.ORGANISER, N_("a member's branch of the invite tree, to block it at once"),
                usage=N_("/branch <member>"), order=34,
                params=(Param("member", N_("a number such as #12, or an exact name"), required=True, suggest="member"),))
async def branch(ctx: Context, args: Args) -> Reply:
    usage = _("Usage: {command} — a number such as #12, or an exact name.", command="/branch <member>")
    root = await resolve_member(ctx, args.values.get("member", args.text), usage)
    if isinstance(root, Reply):
        return root
    return await _offer(ctx, root.id)


async def _offer(ctx: Context, root: int, *, edit: bool = False) -> Reply:
    members = await _blockable(ctx, root)
    people = await ctx.repos.members.get_many(members)
    names = ", ".join(f"#{m} {people[m].display_name or '…'}" for m in members[:30] if m in people)
    if not members:
        return Reply(_("Nobody in that branch can be blocked by you (already blocked, or of a role at least yours)."),
                     edit=edit)
    yes = await ctx.button(str(_n("Block {n} member", "Block {n} members", len(members))), "branch.block",
                           Branch(root, len(members)), single_use=True)
    no = await ctx.button(str(_("Cancel")), "branch.cancel", single_use=True)
    return Reply(join_lines(
        _n("<b>Block this branch?</b> {n} member would be blocked: {names}",
           "<b>Block this branch?</b> {n} members would be blocked: {names}", len(members), names=names),
        _("They are each told that their access is suspended, not by whom; the invite codes they made stop "
          "working.")), buttons=((yes, no),), edit=edit)


async def _blockable(ctx: Context, root: int) -> list[int]:
    """The branch's members this organiser may block: not blocked yet, of a lower role, not themselves."""
    found = await ctx.repos.members.get_many(await ctx.repos.vouches.branch(root))
    allowed = []
    for member in found.values():
        if not member.blocked and member.id != ctx.member_id and await role_of_member(ctx, member) < ctx.role:
            allowed.append(member.id)
    return sorted(allowed)


@router.action("branch.block", Role.ORGANISER, payload=Branch)
async def block_pressed(ctx: Context, press: Branch) -> Reply:
    members = await _blockable(ctx, press.root)
    if len(members) != press.size:  # the branch changed since it was counted: count again
        return await _offer(ctx, press.root, edit=True)
    blocked = await ctx.repos.vouches.block_branch(members, ctx.member_id, ctx.now)
    for member_id in members:
        await ctx.tell(member_id, lambda: suspended_notice(ctx))
        await ctx.services.role_changed(member_id)
    return Reply(_n("{n} member blocked.", "{n} members blocked.", blocked), edit=True)


@router.action("branch.cancel", Role.ORGANISER)
async def cancel_pressed(ctx: Context, _press: None) -> Reply:
    return Reply(_("Nobody was blocked."), edit=True)


@router.export("vouching")
async def _export(ctx: Context, member_id: int) -> dict:
    return await ctx.repos.vouches.export(member_id)

