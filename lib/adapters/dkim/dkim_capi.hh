// dkim_capi.hh: the one way C++ code includes libopendkim's <opendkim/dkim.h>.
// The C header declares functions with C99 _Bool parameters, which C++ does
// not know. C's _Bool and C++'s bool have the same size, alignment and
// calling convention on the x86-64 and AArch64 ABIs GCC and clang use, so
// the header is read with _Bool spelled bool, and the spelling is undone
// right after. Nothing else may include <opendkim/dkim.h> directly.
#pragma once

#ifndef _Bool
#define _Bool bool
#define DM_DKIM_CAPI_BOOL_DEFINED
#endif

#include <opendkim/dkim.h>

#ifdef DM_DKIM_CAPI_BOOL_DEFINED
#undef _Bool
#undef DM_DKIM_CAPI_BOOL_DEFINED
#endif
