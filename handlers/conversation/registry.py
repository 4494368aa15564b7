"""What the engine knows of the features: party/ and staff/ register here when imported.

The engine (core.py, routing.py) never imports party/ or staff/; handlers/app.py imports
them, and each registers its commands, buttons, flows and its side of the routing. The
registry is one per process, like the staff commands' table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from handlers.conversation.context import Ctx
from handlers.conversation.flow import Flow, FlowRegistry, Step
from handlers.conversation.messages import Button, Reply
from settings import Settings

Command = Callable[[Ctx, str], Awaitable[list[Reply]]]
Menu = Callable[[Ctx], list[Reply]]


@dataclass(frozen=True)
class PartySide:
    """What the router asks of the party side when no command or button decides."""

    main_menu: Menu  # after a stale button, an empty message, an unknown press
    menu_button: Callable[[Ctx], tuple[tuple[Button, ...], ...]]
    help: Menu  # /help (staff see their commands after it)
    free_text: Callable[[Ctx], Awaitable[list[Reply]]]  # text outside any flow
    detour: Callable[[Ctx], Awaitable[list[Reply] | None]]  # a question typed inside a flow
    draft_waiting: Menu  # a flow ended while a parked application waits


@dataclass(frozen=True)
class StaffSide:
    """What the router asks of the staff side."""

    is_staff: Callable[[Ctx], Awaitable[bool]]
    #: Run a staff command; None when the name is not one.
    run: Callable[[Ctx, str, str], Awaitable[list[Reply] | None]]
    #: A message in the work group that is not a command (a reply to a relayed party).
    group_text: Callable[[Ctx], Awaitable[list[Reply]]]


@dataclass
class Features:
    commands: dict[str, Command] = field(default_factory=dict)  # /name in a private chat
    buttons: dict[str, Command] = field(default_factory=dict)  # "kind:rest" payloads
    flows: dict[str, Flow] = field(default_factory=dict)
    steps: dict[str, dict[str, Step]] = field(default_factory=dict)  # steps added to a flow
    start_hooks: list[Callable[[Settings], None]] = field(default_factory=list)
    party: PartySide | None = None
    staff: StaffSide | None = None

    def add_flow(self, flow: Flow) -> None:
        self.flows[flow.name] = flow

    def add_steps(self, flow: str, steps: dict[str, Step]) -> None:
        """Steps another package adds to a flow (staff's /register: the desk's questions)."""
        self.steps.setdefault(flow, {}).update(steps)

    def install(self, registry: FlowRegistry, settings: Settings) -> None:
        """Give one Core its flows, and run the start hooks with its settings."""
        for flow in self.flows.values():
            extra = self.steps.get(flow.name, {})
            registry.add(replace(flow, steps={**extra, **flow.steps}) if extra else flow)
        registry.draft_waiting = self.party.draft_waiting if self.party else None
        for hook in self.start_hooks:
            hook(settings)

    @property
    def party_side(self) -> PartySide:
        if self.party is None:
            raise RuntimeError("no party side registered: import handlers.app, not the engine")
        return self.party


FEATURES = Features()
