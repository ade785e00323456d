"""Plain-data encoding shared by the sandbox's value runner and the trusted test planner.

A value is encoded as JSON that carries no behaviour: None, booleans and strings as themselves,
{"i": decimal} for int, {"f": repr} for float, {"c": [re, im]} for complex, {"b": hex} for
bytes/bytearray, {"l": [...]} list, {"t": [...]} tuple, {"d": [[k, v], ...]} dict,
{"s": [...]} set, {"z": [...]} frozenset. Subclasses of these types (Counter, OrderedDict,
defaultdict, namedtuple, IntEnum, ...) are read through their built-in base, never through
methods they override; numpy scalars through `.item()`. Anything else raises NotPlain.
"""


class NotPlain(Exception):
    """The value is not plain data, or it is larger than the caps."""


MAX_NODES = 100000
MAX_CHARS = 1000000


def encode(value):
    """Encodes `value` (see the module docstring); raises NotPlain."""
    budget = [MAX_NODES, MAX_CHARS]
    return _enc(value, budget, 0)


def _spend(budget, chars, nodes=0):
    budget[0] -= nodes
    budget[1] -= chars
    if budget[0] < 0 or budget[1] < 0:
        raise NotPlain("the value is larger than the plain-data caps")


def _enc(x, budget, depth):
    if depth > 100:
        raise NotPlain("the value is nested deeper than 100 levels")
    _spend(budget, 0, 1)
    t = type(x)
    if x is None:
        return None
    if t is bool:
        return True if x else False
    if isinstance(x, bool):
        return True if x else False
    if isinstance(x, int):
        try:
            s = int.__repr__(x)
        except ValueError:
            raise NotPlain("an integer with too many digits")
        _spend(budget, len(s))
        return {"i": s}
    if isinstance(x, float):
        return {"f": float.__repr__(x)}
    if isinstance(x, complex):
        c = complex.__add__(x, 0j)
        return {"c": [float.__repr__(c.real), float.__repr__(c.imag)]}
    if isinstance(x, str):
        s = str.__str__(x)
        _spend(budget, len(s))
        return s
    if isinstance(x, (bytes, bytearray)):
        h = bytes(x).hex() if t is bytearray else bytes.hex(x)
        _spend(budget, len(h))
        return {"b": h}
    if isinstance(x, list):
        return {"l": [_enc(v, budget, depth + 1) for v in list.__iter__(x)]}
    if isinstance(x, tuple):
        return {"t": [_enc(v, budget, depth + 1) for v in tuple.__iter__(x)]}
    if isinstance(x, dict):
        return {"d": [[_enc(k, budget, depth + 1), _enc(v, budget, depth + 1)]
                      for k, v in dict.items(x)]}
    if isinstance(x, frozenset):
        return {"z": [_enc(v, budget, depth + 1) for v in frozenset.__iter__(x)]}
    if isinstance(x, set):
        return {"s": [_enc(v, budget, depth + 1) for v in set.__iter__(x)]}
    if getattr(t, "__module__", "") == "numpy" and depth < 100:
        try:
            item = x.item()
        except Exception:
            item = NotPlain
        if type(item) in (bool, int, float, complex, str, bytes):
            return _enc(item, budget, depth + 1)
    raise NotPlain("a value of type %s is not plain data" % t.__name__)


def plain_copy(v, depth=0, budget=None):
    """A copy of `v` made of built-in types only (subclasses read through their base, numpy
    scalars through .item()); raises TypeError for anything else (stops __eq__ tricks)."""
    budget = [MAX_NODES] if budget is None else budget
    budget[0] -= 1
    if depth > 100 or budget[0] < 0:
        raise TypeError("returned a value larger than the plain-data caps")
    t = type(v)
    if v is None or t in (bool, int, float, complex, str, bytes):
        return v
    if isinstance(v, dict):
        return {plain_copy(k, depth + 1, budget): plain_copy(x, depth + 1, budget)
                for k, x in dict.items(v)}
    if isinstance(v, list):
        return [plain_copy(x, depth + 1, budget) for x in list.__iter__(v)]
    if isinstance(v, tuple):
        return tuple(plain_copy(x, depth + 1, budget) for x in tuple.__iter__(v))
    if isinstance(v, frozenset):
        return frozenset(plain_copy(x, depth + 1, budget) for x in frozenset.__iter__(v))
    if isinstance(v, set):
        return set(plain_copy(x, depth + 1, budget) for x in set.__iter__(v))
    if isinstance(v, int):
        return int.__int__(v)
    if isinstance(v, float):
        return float.__float__(v)
    if isinstance(v, complex):
        return complex.__add__(v, 0j)
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v) if t is bytearray else bytes.__getitem__(v, slice(None))
    if getattr(t, "__module__", "") == "numpy":
        try:
            item = v.item()
        except Exception:
            item = None
        if type(item) in (bool, int, float, complex, str, bytes):
            return item
    raise TypeError("returned an object of type %s; only plain data is accepted" % t.__name__)
