"""The JupyterHub configuration for a class loads and agrees with the course."""

from traitlets.config.loader import PyFileConfigLoader

from tests.conftest import COURSE


def _load(name: str):
    return PyFileConfigLoader(name, path=str(COURSE / "hub")).load_config()


def test_hub_configuration_loads_and_names_the_course():
    hub = _load("jupyterhub_config.py")
    course = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()
    course_id = course.CourseDirectory.course_id
    assert {s["name"] for s in hub.JupyterHub.services} == {course_id}
    assert set(hub.JupyterHub.load_groups) == {f"nbgrader-{course_id}", f"formgrade-{course_id}"}
    graders = hub.JupyterHub.load_groups[f"formgrade-{course_id}"]["users"]
    assert hub.JupyterHub.services[0]["user"] in graders
    students = set(hub.JupyterHub.load_groups[f"nbgrader-{course_id}"]["users"])
    assert students <= hub.Authenticator.allowed_users and not students & hub.Authenticator.admin_users


def test_every_user_shares_the_exchange_of_the_same_course():
    shared = _load("nbgrader_config.py")
    course = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()
    assert shared.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert shared.Exchange.root.startswith("/")
