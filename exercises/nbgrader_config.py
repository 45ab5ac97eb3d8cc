"""The nbgrader course of Deep Learning by Doing. Run nbgrader commands from this folder."""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "dl-by-doing"
# Assignments are named after their chapter: 03_neurons, 04_activations, ...
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# A cell that runs longer than this (an infinite loop, say) fails; the rest is still graded.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True

# Keep a flood of output from filling the gradebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# What a student sees where a solution was removed.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading kernels load dl_course.guard: the functions the tests rely on (torch.allclose,
# torch.testing.assert_close, numpy.allclose, ...) cannot be redefined by a submission.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--ext=dl_course.guard"]

# Every grading kernel runs in the sandbox (bubblewrap): it sees a copy of the student's own
# folder and a read-only Python, not source/, the gradebook, other students or the network;
# after each test cell a probe checks that the kernel still runs and reports code honestly.
# This holds for `nbgrader autograde` and the formgrader too. Without bwrap, grading refuses
# to start; --SandboxKernelManager.enabled=False (course: --no-sandbox) runs trusted code unconfined.
from dl_course.sandbox import autograde_preprocessors  # noqa: E402

c.Autograde.autograde_preprocessors = autograde_preprocessors()

# A test cell a student deleted is put back (and graded) instead of silently scoring zero.
c.OverwriteCells.add_missing_cells = True

# `python -m dl_course collect NAME --zip` (nbgrader zip_collect) reads an LMS download
# from downloaded/NAME/archive: files or zips of files named <student id>_<notebook>.ipynb.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[A-Za-z0-9]+)_(?P<file_id>[^/]+\.ipynb)$"

# Feedback pages typeset math with a MathJax copy written beside them (no network), and may keep
# hidden tests hidden: "full" shows every test's code, "hidden" each test's points, verdict and
# message only. Course-wide here, per assignment in the dict (dl_course.feedback).
from dl_course.feedback import configure as configure_feedback  # noqa: E402

configure_feedback(c)
c.FeedbackPolicy.mode = "full"
c.FeedbackPolicy.assignments = {}
