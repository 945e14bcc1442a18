"""The analytics package is handed the viewer's brand scope; it never looks the viewer up."""
import ast
import inspect
from pathlib import Path

from dashboard import analytics
from dashboard.analytics import insights

PACKAGE = Path(analytics.__file__).parent
# Helpers that take a scope positionally to build keys or SQL for the functions below.
SCOPE_HELPERS = {"cached", "effective_brands", "fact_filters"}


def test_no_analytics_module_reads_the_signed_in_user():
    for module in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module.read_text(), filename=str(module))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] + [getattr(node, "module", "")]
                assert not any(name and name.split(".")[0] == "flask_login" for name in names), (
                    f"{module.name}:{node.lineno} imports flask_login")
                assert "auth" not in names and "dashboard.auth" not in names, (
                    f"{module.name}:{node.lineno} imports auth: the caller passes the scope")
            if isinstance(node, ast.Name):
                assert node.id != "current_user", f"{module.name}:{node.lineno} reads current_user"


def data_functions():
    for namespace in (analytics, insights):
        for name, value in vars(namespace).items():
            if (inspect.isfunction(value) and not name.startswith("_")
                    and name not in SCOPE_HELPERS
                    and "scope" in inspect.signature(value).parameters):
                yield f"{namespace.__name__}.{name}", value


def test_every_function_that_reads_data_must_be_given_the_scope():
    checked = dict(data_functions())
    # The list is found, not typed in; make sure it found the main entry points.
    assert {"dashboard.analytics.metrics", "dashboard.analytics.reconciliation_frame",
            "dashboard.analytics.insights.recommendations"} <= set(checked)
    for name, function in checked.items():
        scope = inspect.signature(function).parameters["scope"]
        assert scope.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: scope is not keyword-only"
        assert scope.default is inspect.Parameter.empty, (
            f"{name}: scope has a default, so a caller that forgets it sees every brand")
