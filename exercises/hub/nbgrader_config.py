"""nbgrader's settings for every user of the hub: install as /etc/jupyter/nbgrader_config.py.

The exchange is the shared folder through which assignments are released and
submitted; it must exist and be writable by everyone (mode 777 with the sticky bit).
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "dl-by-doing"
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True
