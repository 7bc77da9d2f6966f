#!/usr/bin/env bash
# GPU benchmark of the render engine, for a machine with Python 3.12 + torch (CUDA) and no
# network, no pytorch3d, no anny. Run from the repository root:   bash bench/gpu/run.sh
# Brings pytorch3d (.gpu/pytorch3d-*.tar.xz) and pure/binary cp312 wheels (.gpu/wheels)
# into /tmp/site; writes logs, JSON, Markdown and two pictures into $OUT.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
cd "$(dirname "$0")/../.."
START=$(date +%s)
echo "== $(date -u) in $PWD"

PY=""
for p in ${PYTHON:-} python3.12 python3 python; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c "import torch" >/dev/null 2>&1; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "no python with torch found"; exit 2; }
echo "python: $(command -v $PY) $($PY -V 2>&1)"

SITE=/tmp/site
rm -rf "$SITE" && mkdir -p "$SITE"
if $PY -m pip --version >/dev/null 2>&1; then
  $PY -m pip install --no-index --no-deps --disable-pip-version-check --target "$SITE" .gpu/wheels/*.whl \
    || { echo "pip install failed"; exit 3; }
else  # no pip: a wheel is a zip archive; --no-deps install = unpack it
  $PY -c "import sys, zipfile; [zipfile.ZipFile(w).extractall(sys.argv[1]) for w in sys.argv[2:]]" \
    "$SITE" .gpu/wheels/*.whl || exit 3
fi
if ! $PY -c "import numpy" >/dev/null 2>&1; then  # numpy is expected there; carried just in case
  echo "numpy missing: installing .gpu/optional/numpy-*.whl"
  $PY -c "import sys, zipfile; [zipfile.ZipFile(w).extractall(sys.argv[1]) for w in sys.argv[2:]]" \
    "$SITE" .gpu/optional/numpy-*.whl || exit 3
fi
# PyTorch3D 0.7.9 from the easypytorch3d cp312 wheel, debug info stripped from _C (200 -> 44 MB)
tar -xJf .gpu/pytorch3d-*.tar.xz -C "$SITE" || { echo "unpacking pytorch3d failed"; exit 3; }
export PYTHONPATH="$SITE:$PWD"
export OUT
echo "== unpacked in $(( $(date +%s) - START )) s"

nvidia-smi || echo "nvidia-smi failed"
$PY - <<'PYEOF'
import importlib
for name in ("torch", "numpy", "PIL", "kornia", "pytorch3d", "iopath"):
    try:
        m = importlib.import_module(name)
        print(f"{name} {getattr(m, '__version__', '?')} {m.__file__}")
    except Exception as exc:
        print(f"{name}: IMPORT FAILED {exc!r}")
try:
    import anny  # noqa: F401
    print("anny is importable (not needed)")
except Exception:
    print("anny not importable (as expected: the avatar comes from .gpu/avatar.npz)")
PYEOF

DEVICE=${DEVICE:-cuda}  # DEVICE=cpu tries this script on a machine without a GPU
echo "== smoke check"
CHECK_DEVICE=$DEVICE TRYON_DEVICE=$DEVICE timeout 90 $PY bench/gpu/check.py || echo "CHECK FAILED rc=$?"

echo "== benchmark"
TRYON_DEVICE=$DEVICE timeout 150 $PY bench/render.py --body-npz .gpu/avatar.npz --no-write \
  --no-stock --threads 8 --json "$OUT/render_gpu.json" ${BENCH_ARGS:-} > "$OUT/render_gpu.md" 2> "$OUT/render_gpu.err"
echo "bench rc=$?"
cat "$OUT/render_gpu.md"; tail -20 "$OUT/render_gpu.err"
nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu --format=csv || true
echo "== done in $(( $(date +%s) - START )) s"
