# Shared by scripts/test: the current Home Assistant needs Python >= 3.14.2, which Debian 12 does
# not have. Debian's unstable suite does, built against a newer C library, so it lives in a root
# of its own (debootstrap), in the git-ignored folder .ha-current/ of the checkout. The checkout
# is bind-mounted into the root at /src and the suite runs there.
# Source it, then: ensure_current_root; run_in_root <command ...>; release_root (via trap).

current_root="$PWD/.ha-current/root"
current_requirements="requirements/test-current.txt"

# Packages the suite needs inside the root: the interpreter and its build tools, Mosquitto for
# the bridge's brokers, Chromium for the open-data pages, Node.js for the translation check.
current_root_packages="python3.14,python3.14-venv,python3.14-dev,gcc,g++,git,ca-certificates,libffi-dev,libssl-dev,libjpeg-dev,zlib1g-dev,mosquitto,nodejs"
# Chromium's desktop dependencies do not configure inside debootstrap's second stage; apt
# installs it afterwards, in the finished root.
current_root_late_packages="chromium"

_host_mirror() {
    # The Debian mirror this machine's apt already reaches.
    local mirror
    mirror="$(grep -h -m1 '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)"
    [[ -n "$mirror" ]] || mirror="$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
    echo "${mirror:-http://deb.debian.org/debian}"
}

_mounted() { mountpoint -q "$1" 2>/dev/null; }

mount_root() {
    _mounted "$current_root/proc" || mount -t proc proc "$current_root/proc"
    _mounted "$current_root/dev" || mount --bind /dev "$current_root/dev"
    mkdir -p "$current_root/dev/shm"
    _mounted "$current_root/dev/shm" || mount -t tmpfs -o size=2g tmpfs "$current_root/dev/shm"
    mkdir -p "$current_root/src"
    _mounted "$current_root/src" || mount --bind "$PWD" "$current_root/src"
    cp /etc/resolv.conf "$current_root/etc/resolv.conf"
}

release_root() {
    local point
    for point in src dev/shm dev proc; do
        _mounted "$current_root/$point" && umount -l "$current_root/$point"
    done
    return 0
}

run_in_root() {
    chroot "$current_root" /usr/bin/env -i PATH=/opt/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 CI="${CI:-}" ANGE_HA=current "$@"
}

ensure_current_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "scripts/test --ha current builds a Debian root with debootstrap and needs root" >&2
        return 1
    fi
    if [[ ! -x "$current_root/usr/bin/python3.14" ]]; then
        command -v debootstrap >/dev/null 2>&1 || {
            echo "Installing debootstrap from Debian's packages ..."
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
        }
        echo "Building the Python 3.14 root in .ha-current/ (about two minutes) ..."
        rm -rf "$current_root"
        mkdir -p "$current_root"
        debootstrap --variant=minbase --include="$current_root_packages" sid "$current_root" "$(_host_mirror)" \
            > "$PWD/.ha-current/debootstrap.log" 2>&1 || {
            tail -n 30 "$PWD/.ha-current/debootstrap.log" >&2
            return 1
        }
        mount_root
        run_in_root apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null
        run_in_root env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
            install -y -qq --no-install-recommends $current_root_late_packages \
            > "$PWD/.ha-current/apt.log" 2>&1 || { tail -n 30 "$PWD/.ha-current/apt.log" >&2; return 1; }
        # pip inside the root reaches the package index the way the host does, with its CA bundle.
        cp /etc/ssl/certs/ca-certificates.crt "$current_root/etc/ssl/certs/host-ca.crt"
        printf '[global]\ncert = /etc/ssl/certs/host-ca.crt\ndisable-pip-version-check = 1\n' \
            > "$current_root/etc/pip.conf"
    fi
    mount_root
    local stamp="$current_root/opt/.stamp" wanted
    wanted="$(cat requirements/*.txt addons/*/requirements*.txt | sha256sum | cut -d' ' -f1)"
    if [[ -L "$current_root/opt/venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return 0
    fi
    echo "Installing $current_requirements into the root (about a minute) ..."
    run_in_root python3.14 -m venv /opt/venv
    # The harness pins Home Assistant; its freeze constrains everything installed after it.
    run_in_root /opt/venv/bin/pip install --quiet "$(grep -m1 '^pytest-homeassistant' "$current_requirements")"
    run_in_root sh -c '/opt/venv/bin/pip freeze > /opt/harness-constraints.txt'
    run_in_root sh -c "cd /src && /opt/venv/bin/python scripts/lib/current_requirements.py /opt/harness-constraints.txt requirements/test.txt addons/*/requirements*.txt > /opt/current-requirements.txt"
    run_in_root /opt/venv/bin/pip install --quiet -c /opt/harness-constraints.txt -r /opt/current-requirements.txt
    echo "$wanted" > "$stamp"
}
