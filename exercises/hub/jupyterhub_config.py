"""JupyterHub for one class of this course: students, an instructor, a shared grader account.

Start it on the course server with ``jupyterhub -f exercises/hub/jupyterhub_config.py``
after installing ``jupyterhub`` and this repository (``pip install -c constraints.txt -e .[course]``)
and creating the Unix accounts below. Students use nbgrader's Assignments tab to fetch
and submit; the grader service runs the formgrader on the course folder.
"""

import os

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

COURSE = "dl-by-doing"
GRADER = f"grader-{COURSE}"  # a Unix account that owns the course folder (exercises/)
INSTRUCTORS = ["instructor"]
STUDENTS = os.environ.get("COURSE_STUDENTS", "student1,student2").split(",")

c.JupyterHub.bind_url = "http://0.0.0.0:8000"
c.Spawner.default_url = "/lab"
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS + [GRADER])
c.Authenticator.admin_users = set(INSTRUCTORS)

# nbgrader's convention: group nbgrader-<course> are the students, formgrade-<course> the graders.
c.JupyterHub.load_groups = {
    f"nbgrader-{COURSE}": {"users": STUDENTS},
    f"formgrade-{COURSE}": {"users": INSTRUCTORS + [GRADER]},
}
c.JupyterHub.load_roles = [
    {"name": "formgrader", "groups": [f"formgrade-{COURSE}"], "scopes": [f"access:services!service={COURSE}"]},
    {"name": "students", "groups": [f"nbgrader-{COURSE}"], "scopes": ["list:services", "read:services"]},
    {"name": f"{COURSE}-service", "services": [COURSE],
     "scopes": ["read:users:groups", "list:users", "list:services", "read:services"]},
]

# The formgrader: a single-user server run as the grader account, in the course folder.
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": "http://127.0.0.1:9999",
        "command": ["jupyterhub-singleuser", "--port=9999"],
        "user": GRADER,
        "cwd": f"/home/{GRADER}/exercises",
        "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab"},
        "oauth_no_confirm": True,
    },
]
