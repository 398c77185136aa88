# tools/hosts/sim: the userspace sim host (filled in by its owner)
