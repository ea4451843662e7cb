from pathlib import Path
import re, shutil
root = Path("/work/wt-github")
shutil.copy("/tmp/github-draft/test_git_read.py", root / "tests/service/test_git_read.py")
f = root / "tests/service/test_faults.py"
s = f.read_text()
s += Path("/tmp/github-draft/faults_addition.py").read_text()
s = re.sub(r"^from tests\.service\.service_harness import ([^\n]+)$",
           lambda m: "from tests.service.service_harness import " + ", ".join(sorted(set(m.group(1).split(", ")) | {"wait_until", "mocked_change", "payload", "review_comments"})),
           s, count=1, flags=re.M)
f.write_text(s)
f = root / "tests/service/test_reconciler.py"
s = f.read_text()
s += Path("/tmp/github-draft/reconciler_addition.py").read_text()
s = re.sub(r"^from tests\.service\.service_harness import ([^\n]+)$",
           lambda m: "from tests.service.service_harness import " + ", ".join(sorted(set(m.group(1).split(", ")) | {"REPO", "wait_until"})),
           s, count=1, flags=re.M)
f.write_text(s)
