"""What a plugin decorator returns: the method, wrapped in an object the core finds by its type.

`@command`, `@on_reaction` and `@job` each return a `Declared` subclass (`Command`, `EventHandler`,
`JobHandler`) that holds the function and what was declared about it. Read on the class it is that
object (`Plugin.commands()` collects them with `isinstance`); read on a plugin it is the bound
method as written, so a handler is still called and tested like any method:
`await plugin.vote(ctx, 3, "1 2")`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import MethodType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeAlias, overload

P = ParamSpec("P")
Method: TypeAlias = Callable[Concatenate[Any, P], Awaitable[None]]
"""An async plugin method: `self` and then the parameters `P`."""


@dataclass(eq=False)
class Declared(Generic[P]):
    func: Method[P]

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Callable[P, Awaitable[None]]: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self.func, instance)
