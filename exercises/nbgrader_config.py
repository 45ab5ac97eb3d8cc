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
