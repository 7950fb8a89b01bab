"""Every test builds its own app, and Werkzeug compiles Python code for each of the
app's 400-odd URL rules (a URL builder per rule: an AST put together, walked and
compiled), which took a third of building an app. The code it compiles is a pure
function of the rule's text, its parsed parts, its defaults and whether unknown
arguments are appended; it reads the rule's converters only through its `.self`
argument when called. So the compiled function is remembered per such key and given
to every later app's rule, which binds it to itself as before. Only for the tests:
the app itself builds its rules once per process anyway."""
from werkzeug.routing.rules import Rule

_compile = Rule._compile_builder
_builders = {}


def _remembered(self, append_unknown=True):
    defaults = self.defaults or {}
    if any(dynamic and data in defaults for dynamic, data in self._trace):
        # A default resolved through the rule's converter: not cached (none in the app).
        return _compile(self, append_unknown)
    key = (self.rule, tuple(self._trace), tuple(sorted(map(str, defaults))), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile(self, append_unknown)
    return builder


def install():
    Rule._compile_builder = _remembered
