# DM_ENABLE_FUZZING: --enable-fuzzing makes every fuzz target a libFuzzer
# binary (needs clang++ and libclang-rt-14-dev). The whole tree is compiled
# with coverage instrumentation, ASan and UBSan (-fsanitize=fuzzer-no-link),
# so a target links the same objects in both builds, and libFuzzer's driver
# comes from its no-main archive: tests/fuzz/standalone_runner.cc hands it
# the command line (make fuzz). Without arguments a target still replays its
# seed corpus, so make check runs the same regression tests in both builds.
AC_DEFUN([DM_ENABLE_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build the fuzz targets as libFuzzer binaries (use CC=clang CXX=clang++)])],
    [], [enable_fuzzing=no])
  DM_FUZZ_FLAGS=""
  AS_IF([test "x$enable_fuzzing" = "xyes"], [
    AS_IF([test "x$enable_sanitizers" = "xyes"], [AC_MSG_ERROR([--enable-fuzzing already adds ASan; do not combine it with --enable-sanitizers])])
    AS_CASE([$CXX], [*clang*], [], [AC_MSG_ERROR([--enable-fuzzing needs clang: ./configure --enable-fuzzing CC=clang CXX=clang++ (apt-get install clang libclang-rt-14-dev)])])
    dm_fuzz_arch=`$CXX -dumpmachine | cut -d- -f1`
    dm_fuzz_engine=`$CXX -print-file-name=libclang_rt.fuzzer_no_main-$dm_fuzz_arch.a`
    AS_IF([test -f "$dm_fuzz_engine"], [],
      [AC_MSG_ERROR([libFuzzer (libclang_rt.fuzzer_no_main-$dm_fuzz_arch.a) not found: apt-get install libclang-rt-14-dev])])
    AC_MSG_NOTICE([libFuzzer: $dm_fuzz_engine])
    DM_FUZZ_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g -DDM_LIBFUZZER=1"
    LIBS="$LIBS $dm_fuzz_engine"
  ])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = "xyes"])
  AC_SUBST([DM_FUZZ_FLAGS])
])
