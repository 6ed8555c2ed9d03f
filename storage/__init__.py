"""Storage: the database (SQLite or PostgreSQL) and one repository per aggregate."""

from __future__ import annotations

from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.broadcasts import BroadcastRepository
from storage.buttons import ButtonRepository
from storage.commitments import CommitmentRepository
from storage.conversations import ConversationRepository
from storage.database import Database, DatabaseError, connect
from storage.feeds import FeedRepository
from storage.invites import InviteRepository
from storage.links import LinkRepository
from storage.lockdown import LockdownRepository
from storage.members import MemberRepository
from storage.outbox import OutboxRepository
from storage.partners import PartnerRepository
from storage.practices import PracticeRepository
from storage.processes import ProcessRepository
from storage.reminders import ReminderRepository
from storage.reports import ReportRepository
from storage.retention import RetentionRepository
from storage.sent import SentMessageRepository
from storage.schedule import ScheduleRepository
from storage.sessions import SessionRepository
from storage.signups import SignupRepository
from storage.vouching import VouchRepository
from storage.sqlite import SqliteDatabase

__all__ = ["Database", "DatabaseError", "Repositories", "SqliteDatabase", "connect"]


@dataclass(frozen=True)
class Repositories:
    """Every repository over one database."""

    db: Database
    members: MemberRepository
    invites: InviteRepository
    audit: AuditRepository
    buttons: ButtonRepository
    conversations: ConversationRepository
    links: LinkRepository
    lockdown: LockdownRepository
    schedule: ScheduleRepository
    outbox: OutboxRepository
    reminders: ReminderRepository
    commitments: CommitmentRepository
    partners: PartnerRepository
    practices: PracticeRepository
    sessions: SessionRepository
    signups: SignupRepository
    feeds: FeedRepository
    vouches: VouchRepository
    broadcasts: BroadcastRepository
    processes: ProcessRepository
    reports: ReportRepository
    retention: RetentionRepository
    sent: SentMessageRepository

    @classmethod
    def over(cls, db: Database) -> Repositories:
        return cls(
            db=db,
            members=MemberRepository(db),
            invites=InviteRepository(db),
            audit=AuditRepository(db),
            buttons=ButtonRepository(db),
            conversations=ConversationRepository(db),
            links=LinkRepository(db),
            lockdown=LockdownRepository(db),
            schedule=ScheduleRepository(db),
            outbox=OutboxRepository(db),
            reminders=ReminderRepository(db),
            commitments=CommitmentRepository(db),
            partners=PartnerRepository(db),
            practices=PracticeRepository(db),
            sessions=SessionRepository(db),
            signups=SignupRepository(db),
            feeds=FeedRepository(db),
            vouches=VouchRepository(db),
            broadcasts=BroadcastRepository(db),
            processes=ProcessRepository(db),
            reports=ReportRepository(db),
            retention=RetentionRepository(db),
            sent=SentMessageRepository(db),
        )
