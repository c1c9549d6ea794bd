# DM_ENABLE_FUZZING: --enable-fuzzing builds libFuzzer targets (needs clang++).
# Without it, the fuzz targets are still built against a standalone driver and
# their seed corpora run as regression tests in make check.
AC_DEFUN([DM_ENABLE_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build libFuzzer targets (use CXX=clang++)])],
    [], [enable_fuzzing=no])
  AS_IF([test "x$enable_fuzzing" = "xyes"], [
    AS_IF([test "x$enable_sanitizers" = "xyes"], [AC_MSG_ERROR([--enable-fuzzing already adds ASan; do not combine it with --enable-sanitizers])])
    AS_CASE([$CXX], [*clang*], [], [AC_MSG_ERROR([--enable-fuzzing needs clang: ./configure --enable-fuzzing CC=clang CXX=clang++ (apt-get install clang libclang-rt-14-dev)])])
  ])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = "xyes"])
])
