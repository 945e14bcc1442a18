"""Locust scenario: signed-in analysts, managers and one admin, using the dashboard as browsers.

Each simulated user signs in once, then opens pages the way Dash's renderer does: the
page, `/_dash-layout`, `/_dash-dependencies`, then the callbacks the page fires on load,
found from the dependency list rather than hard-coded, so the scenario follows the views
as they change. Run through bench/loadtest.py (`make loadtest`).
"""
import random
import re
import sys

from locust import HttpUser, between, task

# The users `dashboard setup-demo` creates.
DEMO_PASSWORDS = {"admin": "admin-demo-pass", "analyst": "analyst-demo-pass",
                  "manager": "manager-demo-pass"}
PAGES = {"overview": "/overview", "roi": "/roi", "creators": "/influencers"}
# A page load fires at most this many callbacks: a safety net against callback loops.
MAX_CALLBACKS_PER_ACTION = 30
CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
# What the admin uploads once: three creators of its own, so no foreign key can fail and
# a second run only updates them.
LOADTEST_INFLUENCERS_CSV = (
    "influencer_id,name,category,gender,follower_count,platform\n"
    "loadtest-1,Load Test Creator One,Fitness,F,12000,Instagram\n"
    "loadtest-2,Load Test Creator Two,Nutrition,M,250000,YouTube\n"
    "loadtest-3,Load Test Creator Three,Lifestyle,F,4000,TikTok\n")

_notes_given = set()


def note_once(text):
    """A plain note on stderr, once per process: a missing route is news, not a failure."""
    if text not in _notes_given:
        _notes_given.add(text)
        print(f"NOTE: {text}", file=sys.stderr, flush=True)


def walk_components(node, found, links):
    """Collect {component id: (type, props)} and every link's href from a component tree."""
    if isinstance(node, list):
        for child in node:
            walk_components(child, found, links)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "type" in node:
            component_id = props.get("id")
            if isinstance(component_id, str):
                found[component_id] = (node["type"], props)
            if isinstance(props.get("href"), str):
                links.add(props["href"])
            for value in props.values():
                walk_components(value, found, links)


def output_targets(output):
    """[(id, property)] of a dependency's output string, or None for pattern-matching ids."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    targets = []
    for part in parts:
        if part.startswith("{"):
            return None
        component_id, _, prop = part.rpartition(".")
        targets.append((component_id, prop))
    return targets


class DashBrowser:
    """The part of Dash's renderer a load test needs: known props and callback firing."""

    def __init__(self, user):
        self.user = user
        self.dependencies = []
        self.components = {}
        self.links = set()
        # Components that the last callback response brought onto the page.
        self._new_ids = set()

    def open(self, path):
        """A full page load, then the callbacks the page fires on its own."""
        client = self.user.client
        client.get(path, name="page (GET)")
        layout = client.get("/_dash-layout", name="/_dash-layout").json()
        if not self.dependencies:
            self.dependencies = client.get("/_dash-dependencies",
                                           name="/_dash-dependencies").json()
        else:
            client.get("/_dash-dependencies", name="/_dash-dependencies")
        self.components = {}
        self.links = set()
        walk_components(layout, self.components, self.links)
        self._set_prop("app-url", "pathname", path)
        self._set_prop("app-url", "search", "")
        self.run_callbacks(self._initial_callbacks(set(self.components)), label="open")

    def navigate(self, path):
        """In-app navigation: the URL changes and the router callback renders the page."""
        self._set_prop("app-url", "pathname", path)
        self.run_callbacks(self._callbacks_reading({("app-url", "pathname")}),
                           changed={("app-url", "pathname")}, label="navigate")

    def change_filter(self):
        """Pick a control with options that feeds a callback and choose another value."""
        controls = [(component_id, props) for component_id, (_type, props)
                    in self.components.items()
                    if props.get("options")
                    and self._callbacks_reading({(component_id, "value")})]
        if not controls:
            return False
        component_id, props = random.choice(controls)
        values = [option.get("value") if isinstance(option, dict) else option
                  for option in props["options"]]
        values = [value for value in values if value is not None]
        if not values:
            return False
        if isinstance(props.get("value"), list) or props.get("multi"):
            new_value = random.sample(values, k=random.randint(1, min(2, len(values))))
        else:
            new_value = random.choice(values)
        self._set_prop(component_id, "value", new_value)
        changed = {(component_id, "value")}
        self.run_callbacks(self._callbacks_reading(changed), changed=changed, label="filter")
        return True

    def click_export(self):
        """Press the button that feeds a dcc.Download, or follow a CSV export link."""
        downloads = {component_id for component_id, (kind, _props) in self.components.items()
                     if kind == "Download"}
        for dependency in self.dependencies:
            targets = output_targets(dependency["output"]) or []
            if any(component_id in downloads and prop == "data"
                   for component_id, prop in targets):
                trigger = dependency["inputs"][0]
                clicks = (self._prop(trigger["id"], trigger["property"]) or 0) + 1
                self._set_prop(trigger["id"], trigger["property"], clicks)
                self.run_callbacks([dependency], label="export",
                                   changed={(trigger["id"], trigger["property"])})
                return True
        exports = sorted(href for href in self.links if "/export/" in href or ".csv" in href)
        if exports:
            with self.user.client.get(random.choice(exports), name="export CSV (GET)",
                                      catch_response=True) as response:
                if response.status_code != 200 or "csv" not in response.headers.get(
                        "Content-Type", ""):
                    response.failure(f"{response.status_code}, "
                                     f"{response.headers.get('Content-Type')}")
            return True
        return False

    def run_callbacks(self, queue, label, changed=frozenset()):
        """Fire callbacks in order; outputs that feed other callbacks fire those too.

        `label` (open, navigate, filter, export) names the user action in the statistics.
        """
        queue = list(queue)
        fired = 0
        while queue and fired < MAX_CALLBACKS_PER_ACTION:
            dependency = queue.pop(0)
            changed_now = self._fire(dependency, changed, label)
            fired += 1
            if changed_now:
                queue.extend(self._callbacks_reading(changed_now))
                queue.extend(self._initial_callbacks(self._new_ids))

    def _fire(self, dependency, changed, label):
        targets = output_targets(dependency["output"])
        inputs = [{**item, "value": self._prop(item["id"], item["property"])}
                  for item in dependency["inputs"]]
        state = [{**item, "value": self._prop(item["id"], item["property"])}
                 for item in dependency.get("state", [])]
        outputs = [{"id": component_id, "property": prop} for component_id, prop in targets]
        body = {
            "output": dependency["output"],
            "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
            "inputs": inputs,
            "state": state,
            "changedPropIds": [f"{item['id']}.{item['property']}" for item in inputs
                               if (item["id"], item["property"]) in changed],
        }
        name = f"{label}: {dependency['output'][:60]}"
        headers = {"X-CSRFToken": self.user.client.cookies.get("_csrf_token", "")}
        with self.user.client.post("/_dash-update-component", json=body, headers=headers,
                                   name=name, catch_response=True) as response:
            if response.status_code == 204:  # PreventUpdate: nothing changed, not a failure
                response.success()
                return set()
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return set()
            response.success()
            updates = response.json().get("response", {})
        self._new_ids = set()
        changed_now = set()
        for component_id, props in updates.items():
            for prop, value in props.items():
                self._set_prop(component_id, prop, value)
                changed_now.add((component_id, prop))
                before = set(self.components)
                walk_components(value, self.components, self.links)
                self._new_ids |= set(self.components) - before
        return changed_now

    def _initial_callbacks(self, component_ids):
        """Callbacks a freshly rendered set of components fires, as the renderer would."""
        chosen = []
        for dependency in self.dependencies:
            if not self._fireable(dependency) or dependency.get("prevent_initial_call"):
                continue
            ids = {item["id"] for item in dependency["inputs"]}
            if ids & component_ids and ids <= set(self.components) | {"app-url"}:
                chosen.append(dependency)
        return chosen

    def _callbacks_reading(self, props):
        return [dependency for dependency in self.dependencies
                if self._fireable(dependency)
                and {(item["id"], item["property"]) for item in dependency["inputs"]} & props]

    def _fireable(self, dependency):
        # Clientside callbacks run in the browser; background ones need polling that the
        # load test leaves to the import step; pattern-matching ids need a browser.
        if dependency.get("clientside_function") or dependency.get("background"):
            return False
        targets = output_targets(dependency["output"])
        if targets is None or any(isinstance(item["id"], dict) for item in dependency["inputs"]):
            return False
        return all(component_id in self.components for component_id, _prop in targets)

    def _prop(self, component_id, prop):
        return self.components.get(component_id, (None, {}))[1].get(prop)

    def _set_prop(self, component_id, prop, value):
        kind, props = self.components.get(component_id, (None, {}))
        self.components[component_id] = (kind, {**props, prop: value})


class DashboardUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = None

    def on_start(self):
        self.browser = DashBrowser(self)
        self.sign_in()
        self.browser.open("/")

    def sign_in(self):
        form = self.client.get("/login", name="/login (GET)")
        match = CSRF_FIELD.search(form.text)
        fields = {"username": self.username, "password": DEMO_PASSWORDS[self.username]}
        if match:
            fields["csrf_token"] = match.group(1) or match.group(2)
        with self.client.post("/login", data=fields, allow_redirects=False,
                              name="/login (POST)", catch_response=True) as response:
            location = response.headers.get("Location", "")
            if response.status_code in (302, 303) and "/login" not in location:
                response.success()
            elif response.status_code == 429:
                # Only failed sign-ins count against the limits, so this means some failed
                # before: the demo users' passwords are not the ones above.
                response.failure("login refused by the rate limiter after failed sign-ins: "
                                 "is the server's database made by `dashboard setup-demo`?")
            else:
                response.failure(f"login as {self.username} failed: {response.status_code}")

    @task(4)
    def open_overview(self):
        self.browser.open(PAGES["overview"])

    @task(4)
    def change_filters(self):
        if not self.browser.change_filter():
            note_once("no filter control feeding a callback was found on the current page.")

    @task(2)
    def open_roi(self):
        self.browser.navigate(PAGES["roi"])

    @task(2)
    def open_creators(self):
        self.browser.navigate(PAGES["creators"])

    @task(1)
    def export_csv(self):
        if self.browser.components.get("app-url", (None, {}))[1].get("pathname") == "/":
            self.browser.navigate(PAGES["creators"])
        if not self.browser.click_export():
            note_once("no CSV export (dcc.Download or export link) was found on the page.")


class AnalystUser(DashboardUser):
    weight = 6
    username = "analyst"


class ManagerUser(DashboardUser):
    weight = 3
    username = "manager"


class AdminUser(DashboardUser):
    fixed_count = 1
    username = "admin"

    def on_start(self):
        super().on_start()
        self.import_once()

    def import_once(self):
        """The one admin import of the run: upload a small CSV (checked), then commit it."""
        headers = {"X-CSRFToken": self.client.cookies.get("_csrf_token", "")}
        files = [("files", ("influencers.csv", LOADTEST_INFLUENCERS_CSV.encode(), "text/csv"))]
        with self.client.post("/data/upload", files=files, headers=headers,
                              name="admin import: /data/upload",
                              catch_response=True) as response:
            if response.status_code in (404, 405):
                response.success()
                note_once(f"/data/upload answered {response.status_code}: the upload route "
                          "is not there yet, so the admin import step was skipped.")
                return
            upload = _json_or_empty(response)
            if response.status_code != 200 or not upload.get("ok"):
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        with self.client.post("/data/commit", json={"token": upload.get("token")},
                              headers=headers, name="admin import: /data/commit",
                              catch_response=True) as response:
            if response.status_code != 200 or not _json_or_empty(response).get("ok"):
                response.failure(f"{response.status_code}: {response.text[:200]}")


def _json_or_empty(response):
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
