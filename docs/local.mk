# docs/: shipped in the tarball.
EXTRA_DIST += docs/design.md docs/ao.md docs/c-api.md docs/ops.md docs/xen.md docs/idl.md docs/migration.md
