# Shared set-up for scripts/run and scripts/test: install what is missing
# (Debian 12, as root), then configure and build out of tree. Idempotent and
# quick when nothing changed.
set -euo pipefail

XLKIT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XLKIT_BUILD=${XLKIT_BUILD:-$XLKIT_TOP/build}
# Paths below the tree are hashed relative to it, and the build folder is not
# hashed, so a fresh clone elsewhere reuses the objects of an earlier build.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$XLKIT_TOP} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
XLKIT_JOBS=${XLKIT_JOBS:-$(nproc)}

# Debian packages the build, tests and benchmarks need.
XLKIT_PACKAGES=(
  build-essential autoconf automake libtool autoconf-archive pkgconf python3
  libxen-dev libboost1.81-dev libgtest-dev libbenchmark-dev
  libev-dev libuv1-dev clang libclang-rt-14-dev
  libvirt-dev libglib2.0-dev
  xen-utils-4.17 xenstore-utils ccache
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_deps() {
  local missing=()
  for p in "${XLKIT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then echo "run as root to install packages" >&2; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# configure_build DIR [configure args...]: (re)configure DIR if needed.
configure_build() {
  local dir=$1; shift
  if [ ! -x "$XLKIT_TOP/configure" ] || [ "$XLKIT_TOP/configure.ac" -nt "$XLKIT_TOP/configure" ]; then
    say "autoreconf"
    (cd "$XLKIT_TOP" && autoreconf -fi >/dev/null)
  fi
  mkdir -p "$dir"
  local want="$*"
  if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.xlkit-configure-args" 2>/dev/null)" != "$want" ]; then
    say "configure $(basename "$dir") $want"
    # ccache makes the repeated builds of scripts/test cheap (CCACHE_BASEDIR,
    # exported below: also across clones in other folders, as CI's).
    local cc=(CC=gcc CXX=g++)
    command -v ccache >/dev/null && cc=("CC=ccache gcc" "CXX=ccache g++")
    (cd "$dir" && "$XLKIT_TOP/configure" -q "${cc[@]}" "$@")
    echo "$want" > "$dir/.xlkit-configure-args"
  fi
}

build() {
  local dir=$1; shift
  say "make -C $(basename "$dir") $*"
  make -s -C "$dir" -j"$XLKIT_JOBS" "$@"
}
