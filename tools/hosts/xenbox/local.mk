# tools/hosts/xenbox: Xen in a box (filled in by its owner)
