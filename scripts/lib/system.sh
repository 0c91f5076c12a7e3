# Shared by scripts/test and scripts/demo: Debian packages the tests and the demo need.
# Call: ensure_system_packages <command>=<package> ...

ensure_system_packages() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    echo "Installing ${missing[*]} from Debian's packages ..."
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
