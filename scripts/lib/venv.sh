# Shared by scripts/test and scripts/demo: find Python 3.13 and keep a venv in sync with
# a requirements file. Source it, then call: ensure_venv <venv dir> <requirements> [pip args]

find_python313() {
    local candidate
    for candidate in \
        "${ANGE_PYTHON:-}" \
        "$(command -v python3.13 2>/dev/null || true)" \
        "$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3.13" \
        "$HOME/.pyenv/versions/3.13.0/bin/python3.13"; do
        if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.13 not found: install it (pyenv install 3.13.0) or set ANGE_PYTHON" >&2
    return 1
}

ensure_venv() {
    local venv="$1" requirements="$2"
    shift 2
    local stamp="$venv/.stamp-$(basename "$requirements").sha256"
    local wanted
    # requirements/*.txt may include each other and the add-ons' files (-r), so all count.
    wanted="$(cat requirements/*.txt addons/*/requirements*.txt "$requirements" 2>/dev/null | sha256sum | cut -d' ' -f1)"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return 0
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "Creating $venv ..."
        "$(find_python313)" -m venv "$venv"
    fi
    echo "Installing $requirements into $venv (about two minutes on a fresh machine) ..."
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" -r "$requirements"
    echo "$wanted" > "$stamp"
}
