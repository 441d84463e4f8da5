# AgentDesk's sandbox driver: runs inside CPython-on-WASI and executes cells sent by the host.
#
# Protocol (one session, one request at a time):
#   host -> guest, on fd 0: one JSON object per line:
#       {"code": str, "clear": bool, "cap": int}
#   guest -> host, on fd 1: b"\x1e" + token + b" " + JSON + b"\n", where token is argv[1]
#       {"ready": true}  once, when the interpreter is up
#       {"ok": bool, "exit": int|null, "truncated": bool, "figures": [base64 PNG, ...]}
#       after each cell
# What the cell prints goes straight to fd 1 and fd 2 as it is printed (the host streams it
# and keeps it up to the cap), so nothing waits for the cell to end to be seen.
#
# Every module imported here is paid for by each one-shot run before the cell starts, and in
# the guest imports are slow: `ast`, `json` (which pulls in `re` and `enum`) and `traceback`
# together cost more than the rest of the interpreter's start. So the driver uses the C
# modules underneath them (`_ast`, `_json`) and imports `traceback` only when a cell fails.
import _ast
import _json
import io
import os
import sys

_TOKEN = (b"\x1e" + sys.argv[1].encode() + b" ") if len(sys.argv) > 1 else b"\x1e "
_write = os.write
_stdin = sys.stdin.buffer


class _JsonSettings:
    """What `_json.make_scanner` reads: plain JSON, as `json.loads` would parse it (3.15
    added `array_hook`; 3.12 ignores it)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    array_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float


_scan = _json.make_scanner(_JsonSettings())


def _loads(line):
    value, _end = _scan(line.decode("utf-8"), 0)
    return value


def _dumps(value):
    """JSON for the driver's own replies: dicts, lists, strings, ints, booleans and None."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _json.encode_basestring_ascii(value)
    if isinstance(value, dict):
        return "{" + ", ".join(_dumps(key) + ": " + _dumps(item) for key, item in value.items()) + "}"
    return "[" + ", ".join(_dumps(item) for item in value) + "]"


def _respond(message):
    data = _TOKEN + _dumps(message).encode() + b"\n"
    view = memoryview(data)
    while view:
        view = view[_write(1, view):]


class _Stream(io.TextIOBase):
    """A text stream written straight to a file descriptor, cut after `cap` bytes."""

    def __init__(self, fd, cap):
        self._fd = fd
        self._room = cap
        self.truncated = False

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        data = text.encode("utf-8", "replace")
        if len(data) > self._room:
            data = data[: max(self._room, 0)]
            self.truncated = True
        self._room -= len(data)
        view = memoryview(data)
        while view:
            view = view[_write(self._fd, view):]
        return len(text)


def _fresh_namespace():
    return {"__name__": "__main__", "__builtins__": __builtins__}


def _figures():
    """PNGs of the matplotlib figures still open, then closes them (python-scientific only)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return []
    import base64

    images = []
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        pyplot.figure(number).savefig(buffer, format="png", bbox_inches="tight")
        images.append(base64.b64encode(buffer.getvalue()).decode())
    pyplot.close("all")
    return images


def _run(code, namespace):
    """Runs a cell like a notebook: a final expression's value is printed."""
    tree = compile(code, "<cell>", "exec", _ast.PyCF_ONLY_AST)
    last = None
    if tree.body and isinstance(tree.body[-1], _ast.Expr):
        last = _ast.Expression(tree.body.pop().value)
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        value = eval(compile(last, "<cell>", "eval"), namespace)
        if value is not None:
            print(repr(value))


def _print_exception(error, stream):
    """A traceback that starts at the user's cell, without the driver's own frames."""
    import traceback

    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<cell>":
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb, file=stream)


class _StartsWith(str):
    """A warnings filter message matched by prefix: `warnings.filterwarnings(message=…)`
    compiles a regex, and importing `re` costs a third of the interpreter's start."""

    def match(self, text):
        return text.startswith(self)


def _serve():
    import warnings

    # Figures are collected after each cell, so show() has nothing to do on the Agg backend.
    add_filter = getattr(warnings, "_add_filter", None)
    if add_filter is None:  # a private helper: if a Python lacks it, take the slower public way
        warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive")
    else:
        add_filter(
            "ignore", _StartsWith("FigureCanvasAgg is non-interactive"), Warning, None, 0,
            append=False,
        )
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        os.chdir("/workspace")
    except OSError:
        pass
    sys.stdin = io.StringIO("")
    namespace = _fresh_namespace()
    _respond({"ready": True})
    while True:
        line = _stdin.readline()
        if not line:
            return
        request = _loads(line)
        if request.get("clear"):
            namespace = _fresh_namespace()
        cap = int(request.get("cap", 1 << 20))
        out, err = _Stream(1, cap), _Stream(2, cap)
        sys.stdout, sys.stderr = out, err
        ok, exit_code = True, None
        try:
            _run(request["code"], namespace)
        except SystemExit as stop:
            exit_code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if stop.code is not None and not isinstance(stop.code, int):
                print(stop.code, file=err)
            ok = exit_code == 0
        except BaseException as error:
            _print_exception(error, err)
            ok = False
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        try:
            figures = _figures()
        except BaseException as error:
            figures = []
            _print_exception(error, err)
        _respond({
            "ok": ok,
            "exit": exit_code,
            "truncated": out.truncated or err.truncated,
            "figures": figures,
        })


_serve()
