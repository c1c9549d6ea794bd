# DM_WITH_NLOHMANN_JSON: nlohmann-json, the JSON parser for TLS-RPT reports, found with pkg-config (nlohmann_json).
AC_DEFUN([DM_WITH_NLOHMANN_JSON], [
  PKG_CHECK_MODULES([NLOHMANN_JSON], [nlohmann_json >= 3.9], [],
    [AC_MSG_ERROR([nlohmann-json, the JSON parser for TLS-RPT reports (nlohmann_json) not found: apt-get install nlohmann-json3-dev])])
])
