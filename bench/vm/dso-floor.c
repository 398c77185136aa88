/* dso-floor: a process that loads the given shared libraries and does
 * nothing else: the floor under a command that needs them (its exec, the
 * libraries' mapping, relocation and symbol binding, its exit).
 * bench/vm/create_pieces.py runs it with the sets an xl or xlkit create
 * loads, beside the tools themselves (docs/performance-vm.md, "Why a short
 * command costs what it does here").
 *
 *   dso-floor [LIBRARY...]     (each a path or a soname, loaded in order)
 *
 * Loads each with RTLD_NOW | RTLD_LOCAL, as xlkit loads its modules. Exit
 * status 1, naming the library, if one does not load. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!dlopen(argv[i], RTLD_NOW | RTLD_LOCAL)) {
            fprintf(stderr, "dso-floor: %s\n", dlerror());
            return 1;
        }
    }
    return 0;
}
