"""The load of bench/api_load.py: 8 clients, each on its own share of a fixed sample (no two clients change one
customer at once). BENCH_SCENARIO: detail, bare, upsert or batch; BENCH_TOKEN; BENCH_SAMPLE: a JSON file."""

import itertools
import json
import os
import random

from locust import HttpUser, constant, task

SCENARIO = os.environ["BENCH_SCENARIO"]
SAMPLE = json.loads(open(os.environ["BENCH_SAMPLE"]).read())
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
CITIES = ("Leeds", "York", "Bath", "Derby", "Ely", "Wells", "Ripon", "Truro")
_ids = itertools.count()


class ApiClient(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        me = next(_ids) % CLIENTS
        self.rng = random.Random(1000 + me)  # the same requests every run
        self.numbers = SAMPLE["numbers"][me::CLIENTS]
        self.linked = SAMPLE["linked"][me::CLIENTS]
        self.client.headers["Authorization"] = f"Bearer {os.environ['BENCH_TOKEN']}"

    @task
    def request(self):
        if SCENARIO in ("detail", "bare"):
            number = self.rng.choice(self.numbers)
            path = f"/api/v1/customers/{number}/" if SCENARIO == "detail" else f"/bench/bare/customers/{number}/"
            self.client.get(path, name=SCENARIO)
        elif SCENARIO == "upsert":
            system, external_id = self.rng.choice(self.linked)
            self.client.put(f"/api/v1/systems/{system}/customers/{external_id}",
                            json={"city": self.rng.choice(CITIES)}, name="upsert")
        else:
            records = [{"external_id": eid, "fields": {"city": self.rng.choice(CITIES)}}
                       for system, eid in self.rng.sample(self.linked, 100)]
            with self.client.post(f"/api/v1/systems/{self.linked[0][0]}/batch/customers/", json={"records": records},
                                  name="batch", catch_response=True) as response:
                failed = [r for r in response.json().get("results", ()) if r.get("result") == "error"]
                if response.status_code == 200 and failed:
                    response.failure(f"{len(failed)} records failed: {failed[0].get('errors')}")
