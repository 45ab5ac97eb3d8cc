"""dl_course: the tooling around the book, kept out of the library students import.

- :mod:`dl_course.course`: the nbgrader course in ``exercises/`` (release, gradebook, validation);
- :mod:`dl_course.grading`: per-student autograding in parallel, with limits and diagnoses;
- :mod:`dl_course.worker`: a grading process kept for many students;
- :mod:`dl_course.sandbox`: every grading kernel inside bubblewrap, probed after each test cell;
- :mod:`dl_course.warm`: grading kernels forked from a pre-imported template in the sandbox;
- :mod:`dl_course.guard`: the IPython extension grading kernels load (``--ext=dl_course.guard``);
- :mod:`dl_course.cli`: ``python -m dl_course``, the instructors' command line;
- :mod:`dl_course.colab`: the chapters' set-up cell and Colab links;
- :mod:`dl_course.buildbook`: the strict, forced book build the tests and benchmarks run.

It is installed with the ``course`` extra (``pip install -e ".[course]"``); ``dl_lib`` never imports it.
"""

__all__: list[str] = []
