# tools/save-helper: xlkit-save-helper, the process the library's save
# operation runs xc_domain_save in (libxl/src/ops/save.cpp says why and
# how it talks to it). Installed where the library looks for it.
pkglibexec_PROGRAMS = tools/save-helper/xlkit-save-helper
tools_save_helper_xlkit_save_helper_SOURCES = tools/save-helper/save_helper.c tools/save-helper/precopy_policy.h
tools_save_helper_xlkit_save_helper_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_save_helper_xlkit_save_helper_LDADD = $(XENGUEST_LIBS) $(XEN_LIBS)
