# DM_WITH_BOOST_TEST: Boost.Test (unit test framework), linked dynamically.
AC_DEFUN([DM_WITH_BOOST_TEST], [
  AC_CHECK_HEADER([boost/test/unit_test.hpp], [],
    [AC_MSG_ERROR([Boost.Test not found: apt-get install libboost-test-dev])])
  AC_SUBST([BOOST_TEST_LIBS], ["-lboost_unit_test_framework"])
])
