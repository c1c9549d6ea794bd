# DM_ENABLE_WARNINGS: warnings on by default; --enable-werror turns them into errors.
AC_DEFUN([DM_ENABLE_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors (CI uses this)])],
    [], [enable_werror=no])
  DM_WARN_CXXFLAGS="-Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations"
  AS_IF([test "x$enable_werror" = "xyes"], [DM_WARN_CXXFLAGS="$DM_WARN_CXXFLAGS -Werror"])
  AC_SUBST([DM_WARN_CXXFLAGS])
])
