"""The platform-neutral core: who is talking, what they may do, and which handler answers.

- `services`: roles, the clock, the long-lived services every handler may use, and `Fire` (what a due item does);
- `router`: `Router`, on which each capability declares its commands, buttons, text steps and due kinds, and
  `Routes`, the routers the app runs, merged;
- `context`: `Context`, one request (who is asking, and the helpers handlers use);
- `dispatch`: `Core`, which receives messages and presses from every adapter and hands them to a handler;
- `due`: the runner for what falls due.

Messages the bot sends on its own go through the `Delivery` port, which the delivery layer implements.
"""

from handlers.arguments import Args, Param
from handlers.core.context import BUTTON_LIFETIME, STRANGER_BUTTON_LIFETIME, Context
from handlers.core.dispatch import MAX_INPUT, Core, parse_command
from handlers.core.due import RETRY_DUE
from handlers.core.router import (
    ActionSpec,
    CommandSpec,
    Handler,
    Router,
    Routes,
)
from handlers.core.services import (
    Clock,
    DeepLinks,
    Delivery,
    Fire,
    Role,
    Services,
    role_of,
    system_clock,
)

__all__ = [
    "BUTTON_LIFETIME", "MAX_INPUT", "RETRY_DUE", "STRANGER_BUTTON_LIFETIME", "ActionSpec", "Args", "Clock",
    "CommandSpec", "Context", "Core", "DeepLinks", "Delivery", "Fire", "Handler", "Param", "Role", "Router", "Routes",
    "Services", "parse_command", "role_of", "system_clock",
]
