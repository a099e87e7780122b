"""torch never warns about inf/nan produced by float math; ember must not leak NumPy's RuntimeWarnings."""
import subprocess
import sys

SCRIPT = r"""
import warnings
warnings.simplefilter("default")
import ember as torch
x = torch.tensor([-1.0, 0.0, 1.0, float("inf"), float("nan")], requires_grad=True)
y = x.log() + x.sqrt() + 1 / x + x.exp() * 1e38 + (x - float("inf")) + x.log1p() + x.rsqrt()
y = y + torch.tensor([3.0e38]) * 10 + x.pow(-1) + x.sigmoid() + x.tanh()
z = y.sum() + x.softmax(0).sum() + x.log_softmax(0).sum() + x.mean() + x.var() + x.std() + x.norm()
z.backward()
print("ok")
"""


def test_no_runtime_warnings_reach_the_user():
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
    assert "RuntimeWarning" not in res.stderr, res.stderr
