#!/bin/sh
# issue 17: default rules over the twelve packages of issue 17's trial, as installed in the oracle venv
SP=/work/venvs/oracle/lib/python3.11/site-packages
for p in ultralytics torchrl pytorch_metric_learning peft neuralforecast e3nn whisper encodec lpips denoising_diffusion_pytorch rotary_embedding_torch torchdiffeq; do
  echo "## $p"
  (cd $SP && /work/venvs/wild/bin/torchlint --isolated --no-cache --exit-zero -j 2 --python /work/venvs/oracle/bin/python $p 2>&1)
done
