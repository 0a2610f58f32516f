#!/bin/sh
# issue 17: the default rules over the twelve packages of issue 17's trial, as installed in the oracle venv,
# with the torchlint of the checkout this script is in (PYTHONPATH at the repository: its engine and its rules/),
# run by the oracle venv's Python from /tmp (a directory that is not a checkout of torchlint). Paths are printed
# relative to site-packages.
REPO=$(cd "$(dirname "$0")/.." && pwd)
SP=/work/venvs/oracle/lib/python3.11/site-packages
cd /tmp || exit 2
for p in ultralytics torchrl pytorch_metric_learning peft neuralforecast e3nn whisper encodec lpips denoising_diffusion_pytorch rotary_embedding_torch torchdiffeq; do
  echo "## $p"
  PYTHONPATH="$REPO" nice -n 10 /work/venvs/oracle/bin/python -m torchlint --isolated --no-cache --exit-zero -j 2 \
    --python /work/venvs/oracle/bin/python "$SP/$p" 2>&1 | sed "s|$SP/||g"
done
