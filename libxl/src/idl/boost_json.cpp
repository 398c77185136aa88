// idl/boost_json.cpp: Boost.JSON, header-only, compiled once for the library.
// Built with -fvisibility=hidden, so none of it is exported from libxlkit.so.
#include <boost/json/src.hpp>
