"""Issue 17 item 3, checked on real ultralytics: the Detect head's plain stride/anchors/strides are moved by the
model's .to() (BaseModel._apply in nn/tasks.py). Run with the oracle venv and torchvision stubbed:
PYTHONPATH=tools/oracle/stubs /work/venvs/oracle/bin/python benchmarks/wild_head_moved.py"""
import torch
from ultralytics.nn.tasks import DetectionModel

m = DetectionModel("yolov8n.yaml", verbose=False)
head = m.model[-1]
print(type(head).__name__, "stride", head.stride.dtype, "anchors", head.anchors.dtype, head.anchors.shape)
m.eval()
m(torch.zeros(1, 3, 64, 64))
print("after forward anchors", head.anchors.dtype, head.anchors.shape, "in __dict__", "anchors" in vars(head))
m.to(torch.float64)
print("after .to(float64): stride", head.stride.dtype, "anchors", head.anchors.dtype, "strides", head.strides.dtype)
m.to("meta")
print("after .to(meta): stride", head.stride.device, "anchors", head.anchors.device)
