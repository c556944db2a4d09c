"""Compile audience rules once into nested closures and evaluate them per user.

Rules arrive as normalised dicts (see docs/targeting.md).  Compilation pre-splits
attribute paths, pre-parses value dates and pre-builds the sets of ``in``/``not_in``;
each leaf becomes one fused closure (:mod:`server.targeting.fused`), so evaluating a
20-rule audience is about twenty short function calls.

Internally a node yields ``True``, ``False`` or ``None`` (unknown: segment or event
data not available; only subtrees with such leaves can).  Groups use three-valued
logic, so ``not`` of an unknown stays unknown, and unknown fails closed at the top: a
negation can never turn "we could not tell" into "show it".  Malformed rules
(anywhere in the tree) make the whole rule match nobody; nothing here raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from server.targeting.context import EvalContext
from server.targeting.fused import Traits, fuse_attr, fuse_leaf, fuse_negated_segment
from server.targeting.leaves import Leaf, compile_attr, compile_event, compile_segment
from server.targeting.operators import Malformed

Predicate = Callable[[EvalContext], bool]

_KINDS: Final = ("all", "any", "not", "attr", "segment", "event")
# Cheap checks first: the result of all/any doesn't depend on order (three-valued logic
# is commutative), but an event count may be a database query.
_COST: Final = {"attr": 0, "segment": 1, "event": 3}


@dataclass(frozen=True, slots=True)
class Node:
    """One compiled rule node: a group (``all``/``any``/``not``) or a leaf."""

    kind: str  # "all" | "any" | "not" | "leaf"
    rule: Any
    children: tuple[Node, ...] = ()
    leaf: Leaf | None = None
    # A segment or event leaf somewhere below: the result may be unknown (None).
    unknowable: bool = False

    @property
    def cost(self) -> int:
        """A rough evaluation cost, used to order siblings."""
        if self.leaf is not None:
            return _COST[self.leaf.kind]
        return max((child.cost for child in self.children), default=0)


def compile_tree(rule: Any) -> Node:
    """Validate and compile a rule dict into a :class:`Node` tree; raises ``Malformed``."""
    if not isinstance(rule, dict):
        raise Malformed(f"a rule must be an object, got {rule!r}")
    kinds = [kind for kind in _KINDS if kind in rule]
    if len(kinds) != 1:
        raise Malformed(f"a rule needs exactly one of {', '.join(_KINDS)}; got keys {list(rule)}")
    kind = kinds[0]
    if kind in ("all", "any"):
        items = rule[kind]
        if not isinstance(items, list | tuple):
            raise Malformed(f"{kind!r} must be a list of rules, got {items!r}")
        children = tuple(compile_tree(item) for item in items)
        return Node(kind, rule, children, unknowable=any(c.unknowable for c in children))
    if kind == "not":
        child = compile_tree(rule["not"])
        return Node("not", rule, (child,), unknowable=child.unknowable)
    compile_leaf = {"attr": compile_attr, "segment": compile_segment, "event": compile_event}
    return Node("leaf", rule, leaf=compile_leaf[kind](rule), unknowable=kind != "attr")


# --- three-valued combinators (the explainer uses these; closures below inline them) ---


def combine_all(results: Iterable[bool | None]) -> bool | None:
    """False if any is False, else unknown if any is unknown, else True."""
    unknown = False
    for result in results:
        if result is False:
            return False
        if result is None:
            unknown = True
    return None if unknown else True


def combine_any(results: Iterable[bool | None]) -> bool | None:
    """True if any is True, else unknown if any is unknown, else False."""
    unknown = False
    for result in results:
        if result is True:
            return True
        if result is None:
            unknown = True
    return None if unknown else False


def negate(result: bool | None) -> bool | None:
    """Negation that keeps unknown unknown."""
    return None if result is None else not result


def run_leaf(leaf: Leaf, ctx: EvalContext) -> tuple[Any, bool | None]:
    """Fetch and test one leaf; an unexpected error counts as "does not match"."""
    seen: Any = None
    try:
        seen = leaf.fetch(ctx)
        return seen, leaf.test(seen, ctx)
    except Exception:
        return seen, False


# --- closures ----------------------------------------------------------------------------
#
# Leaves run as fused closures (server/targeting/fused.py); every closure takes
# (ctx, ut, at), the trait dicts being read once per rule.  A subtree without segment or
# event leaves can never be unknown, so it compiles to plain boolean closures (`and` /
# `or` chains that short-circuit); three-valued handling is only built where a segment or
# event leaf sits below, and even there the pure-attribute children run first, as plain
# booleans.

_Check = Callable[[EvalContext, Traits, Traits], bool]
_TriCheck = Callable[[EvalContext, Traits, Traits], "bool | None"]
_NO_TRAITS: Final[Mapping[str, Any]] = MappingProxyType({})


def _true(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
    return True


def _false(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
    return False


def _bool_closure(node: Node) -> _Check:
    """A subtree of attribute leaves only: plain True/False, no unknown."""
    if node.leaf is not None:
        return fuse_attr(node.leaf)
    kids = tuple(_bool_closure(child) for child in node.children)
    if node.kind == "not":
        (child,) = kids
        return lambda ctx, ut, at: not child(ctx, ut, at)
    if len(kids) == 1:
        return kids[0]
    if node.kind == "all":
        return _all(kids)
    return _any(kids)


def _all(kids: tuple[_Check, ...]) -> _Check:
    if not kids:
        return _true
    if len(kids) == 2:
        first, second = kids
        return lambda ctx, ut, at: first(ctx, ut, at) and second(ctx, ut, at)

    def run_all(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        for kid in kids:
            if not kid(ctx, ut, at):
                return False
        return True

    return run_all


def _any(kids: tuple[_Check, ...]) -> _Check:
    if not kids:
        return _false
    if len(kids) == 2:
        first, second = kids
        return lambda ctx, ut, at: first(ctx, ut, at) or second(ctx, ut, at)

    def run_any(ctx: EvalContext, ut: Traits, at: Traits) -> bool:
        for kid in kids:
            if kid(ctx, ut, at):
                return True
        return False

    return run_any


def _closure(node: Node) -> _TriCheck:
    """A subtree that may be unknown (it has segment or event leaves)."""
    if not node.unknowable:
        return _bool_closure(node)
    if node.leaf is not None:
        return fuse_leaf(node.leaf)
    # Cheapest first.  Pure-attribute children cost 0 and every unknowable one costs
    # more, so "plain first, then the rest by cost" is exactly the sorted order.
    ordered = sorted(node.children, key=lambda child: child.cost)
    if node.kind == "not":
        (kid,) = ordered
        if kid.leaf is not None and kid.leaf.kind == "segment":
            return fuse_negated_segment(kid.leaf)  # one call instead of two
        child = _closure(kid)

        def run_not(ctx: EvalContext, ut: Traits, at: Traits) -> bool | None:
            result = child(ctx, ut, at)
            return None if result is None else not result

        return run_not
    if len(ordered) == 1:
        return _closure(ordered[0])
    plain = tuple(_bool_closure(kid) for kid in ordered if not kid.unknowable)
    tri = tuple(_closure(kid) for kid in ordered if kid.unknowable)
    if node.kind == "all":

        def run_all(ctx: EvalContext, ut: Traits, at: Traits) -> bool | None:
            for kid in plain:
                if not kid(ctx, ut, at):
                    return False
            unknown = False
            for tri_kid in tri:
                result = tri_kid(ctx, ut, at)
                if result is False:
                    return False
                if result is None:
                    unknown = True
            return None if unknown else True

        return run_all

    def run_any(ctx: EvalContext, ut: Traits, at: Traits) -> bool | None:
        for kid in plain:
            if kid(ctx, ut, at):
                return True
        unknown = False
        for tri_kid in tri:
            result = tri_kid(ctx, ut, at)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return run_any


def evaluate_node(node: Node, ctx: EvalContext) -> bool | None:
    """Evaluate one compiled node as the evaluator does: ``True``, ``False`` or unknown.

    Compiles the node's closure on every call: for tests and tools, not for loops.
    """
    ut, at = ctx.user_traits, ctx.account_traits
    return _closure(node)(
        ctx,
        ut if isinstance(ut, dict) else _NO_TRAITS,  # type: ignore[arg-type]
        at if isinstance(at, dict) else _NO_TRAITS,  # type: ignore[arg-type]
    )


def compile_rule(rule: dict[str, Any] | None) -> Predicate:
    """Compile an audience rule into ``predicate(ctx) -> bool``.

    ``None`` means everyone.  A malformed rule compiles to a predicate that is always
    False (use :func:`server.targeting.explain.explain_rule` to see why).  The
    predicate never raises.
    """
    if rule is None:
        return _everyone
    try:
        inner = _closure(compile_tree(rule))
    except Exception:  # Malformed, or RecursionError on absurdly deep input
        return _nobody

    def predicate(ctx: EvalContext) -> bool:
        try:
            ut, at = ctx.user_traits, ctx.account_traits
            # A trait "dict" that is not one has no traits: every path is missing.
            if type(ut) is not dict and not isinstance(ut, dict):
                ut = _NO_TRAITS
            if type(at) is not dict and not isinstance(at, dict):
                at = _NO_TRAITS
            return inner(ctx, ut, at) is True
        except Exception:
            return False

    return predicate


def _everyone(ctx: EvalContext) -> bool:
    return True


def _nobody(ctx: EvalContext) -> bool:
    return False


def evaluate(rule: dict[str, Any] | None, ctx: EvalContext) -> bool:
    """Compile and evaluate in one go (prefer :func:`compile_rule` in loops)."""
    return compile_rule(rule)(ctx)
