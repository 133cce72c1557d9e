"""`abci-mpc bench primes` reports the generator's spread, and refuses bad arguments."""

import json

from click.testing import CliRunner

from abci_mpc.cli.main import _register, cli


def invoke(*args):
    _register()
    return CliRunner().invoke(cli, ["bench", "primes", *args])


def test_json_report():
    res = invoke("--count", "3", "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert (r["bits"], r["count"], r["cores"]) == (1024, 3, 1)
    assert 0 < r["p50_s"] <= r["p90_s"] <= r["max_s"]
    assert r["p50_s"] <= r["max_s"] and 0 < r["mean_s"] <= r["max_s"]
    assert r["mean_modexp_equivalents"] > 0


def test_bad_arguments():
    assert invoke("--count", "0").exit_code != 0
    assert invoke("--bits", "512").exit_code != 0
