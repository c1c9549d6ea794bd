// version.hh: the product name and version, as configure set them.
// Pure: no I/O.
#pragma once

#include "config.h"

namespace dmarc
{
inline constexpr const char* g_productName = PACKAGE_NAME;
inline constexpr const char* g_productVersion = PACKAGE_VERSION;
} // namespace dmarc
