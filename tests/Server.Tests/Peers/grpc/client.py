"""A grpcio client of the server (align.v1 and grpc.health.v1) for the server tests.

usage: client.py PROTOS TARGET SCENARIO [ARG]

Message classes are generated at run time with protoc (Debian protobuf-compiler) into a temporary folder; the calls
go through grpcio's generic multi-callables. Each scenario prints one JSON object with what the client observed; the
C# test decides whether that is right.
"""
import base64
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import grpc

PROTOS, TARGET, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
ARG = sys.argv[4] if len(sys.argv) > 4 else None
SERVICE = "/align.v1.GenerationService/"
HEALTH = "/grpc.health.v1.Health/"


def load(proto, module):
    # the generated module is only read while it is executed: its folder goes when it has loaded
    with tempfile.TemporaryDirectory(prefix="grpc-py-") as out:
        subprocess.run(["protoc", "-I", PROTOS, "--python_out", out, proto], check=True)
        path = os.path.join(out, proto.replace(".proto", "_pb2.py"))
        spec = importlib.util.spec_from_file_location(module, path)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return loaded


pb = load("align/v1/generation.proto", "generation_pb2")
health = load("grpc/health/v1/health.proto", "health_pb2")
channel = grpc.insecure_channel(TARGET)


def unary(method, response, prefix=SERVICE):
    return channel.unary_unary(prefix + method, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response.FromString)


def stream(method, response, prefix=SERVICE):
    return channel.unary_stream(prefix + method, request_serializer=lambda m: m.SerializeToString(),
                                response_deserializer=response.FromString)


generate = unary("Generate", pb.GenerateResponse)
generate_stream = stream("GenerateStream", pb.GenerateEvent)


def error(e):
    return {"code": e.code().name, "details": e.details()}


def call(fn):
    try:
        return fn()
    except grpc.RpcError as e:
        return error(e)


def image(i):
    return {"seed": i.seed, "png_base64": base64.b64encode(i.png).decode(), "rewards": dict(i.rewards)}


def response(r):
    return {"code": "OK", "request_id": r.request_id, "model": r.model, "scheduler": r.scheduler, "images": [image(i) for i in r.images],
            "alignment": {"method": r.alignment.method, "iterations_run": r.alignment.iterations_run,
                          "trace": [{"iteration": t.iteration, "loss": t.loss, "rewards": dict(t.rewards),
                                     "seed": t.seed if t.HasField("seed") else None} for t in r.alignment.trace]},
            "timings_ms": {"queue": r.timings_ms.queue, "generate": r.timings_ms.generate,
                           "encode": r.timings_ms.encode, "total": r.timings_ms.total}}


def scenario_generate():
    return call(lambda: response(generate(pb.GenerateRequest(prompt="a red circle", seed=11, num_images=2, steps=6), timeout=60)))


def scenario_best_of_n():
    alignment = pb.Alignment(method="best_of_n", n=3)
    alignment.rewards["shapeworld-clip"] = 1.0
    return call(lambda: response(generate(pb.GenerateRequest(prompt="a red circle", seed=30, steps=4, alignment=alignment), timeout=60)))


def scenario_reno_target():
    # ReNO against the soft verifier with a bar every image clears: it stops after its first iteration
    alignment = pb.Alignment(method="reno", iterations=3, target_reward=-1e9)
    alignment.rewards["shapeworld-soft-verifier"] = 1.0
    return call(lambda: response(generate(pb.GenerateRequest(prompt="a red circle", seed=4, steps=2, alignment=alignment), timeout=60)))


def scenario_seeded_png():
    # ARG: the seed; the same request as the determinism test sends over HTTP
    r = generate(pb.GenerateRequest(prompt="two red circles above a blue square", seed=int(ARG), steps=6), timeout=60)
    return response(r)


def scenario_stream():
    events = []
    result = None
    for e in generate_stream(pb.GenerateRequest(prompt="a green triangle", seed=2, steps=4), timeout=60):
        kind = e.WhichOneof("event")
        events.append(kind)
        if kind == "progress":
            assert e.progress.total > 0
        if kind == "result":
            result = response(e.result)
    return {"code": "OK", "events": events, "result": result}


def scenario_stream_extras():
    # previews of a plain run, then best-of-n's candidates per batch, as the progress events carry them
    previews = []
    for e in generate_stream(pb.GenerateRequest(prompt="a green triangle", seed=2, steps=6, num_images=2, previews=2), timeout=60):
        if e.WhichOneof("event") == "progress" and len(e.progress.previews) > 0:
            previews.append({"step": e.progress.step, "png_base64": [base64.b64encode(p).decode() for p in e.progress.previews]})
    alignment = pb.Alignment(method="best_of_n", n=3)
    alignment.rewards["shapeworld-clip"] = 1.0
    candidates, result = [], None
    for e in generate_stream(pb.GenerateRequest(prompt="a red circle", seed=30, steps=4, alignment=alignment), timeout=60):
        kind = e.WhichOneof("event")
        if kind == "progress":
            candidates += [{"iteration": c.iteration, "loss": c.loss, "rewards": dict(c.rewards), "seed": c.seed} for c in e.progress.candidates]
        if kind == "result":
            result = response(e.result)
    return {"code": "OK", "previews": previews, "candidates": candidates, "result": result}


def scenario_deadline():
    # a first call connects the channel, so that the deadline is spent on the server, not on connecting
    unary("Check", health.HealthCheckResponse, HEALTH)(health.HealthCheckRequest(), timeout=10)
    start = time.monotonic()
    out = call(lambda: generate(pb.GenerateRequest(prompt="a red circle", steps=100), timeout=0.2))
    out["seconds"] = time.monotonic() - start
    return out


def scenario_cancel():
    events = []
    responses = generate_stream(pb.GenerateRequest(prompt="a blue square", seed=5, steps=100, width=128, height=128), timeout=60)
    out = {}
    try:
        for e in responses:
            events.append(e.WhichOneof("event"))
            if events[-1] == "progress":
                responses.cancel()
    except grpc.RpcError as e:
        out = error(e)
    out["events"] = events
    start = time.monotonic()
    after = call(lambda: response(generate(pb.GenerateRequest(prompt="a red circle", steps=4), timeout=60)))
    out["after"] = {"code": after["code"], "seconds": time.monotonic() - start, "queue_ms": after.get("timings_ms", {}).get("queue")}
    return out


def scenario_scheduler():
    # the same seed with the model's own sampler, naming it, DDIM instead, and a sampler the server does not have
    def run(**scheduler):
        return call(lambda: response(generate(pb.GenerateRequest(prompt="a red circle", seed=5, steps=4, **scheduler), timeout=60)))
    return {"code": "OK", "own": run(), "euler": run(scheduler="euler"), "ddim": run(scheduler="ddim"), "bad": run(scheduler="dpm")}


def scenario_invalid():
    return call(lambda: generate(pb.GenerateRequest(prompt="a red circle", width=63), timeout=30))


def scenario_not_found():
    return call(lambda: generate(pb.GenerateRequest(prompt="a red circle", model="sdxl"), timeout=30))


def scenario_too_large():
    # ARG: the prompt's length, above the server's MaxReceiveMessageSize
    return call(lambda: response(generate(pb.GenerateRequest(prompt="a" * int(ARG), steps=4), timeout=30)))


def scenario_health():
    check = unary("Check", health.HealthCheckResponse, HEALTH)
    status = health.HealthCheckResponse.ServingStatus.Name
    out = {"code": "OK"}
    out["check"] = status(check(health.HealthCheckRequest(service=""), timeout=10).status)
    out["check_service"] = status(check(health.HealthCheckRequest(service="align.v1.GenerationService"), timeout=10).status)
    out["check_unknown"] = call(lambda: check(health.HealthCheckRequest(service="no.such.Service"), timeout=10))
    watch = stream("Watch", health.HealthCheckResponse, HEALTH)(health.HealthCheckRequest(service=""), timeout=30)
    out["watch_first"] = status(next(watch).status)
    watch.cancel()
    unknown = stream("Watch", health.HealthCheckResponse, HEALTH)(health.HealthCheckRequest(service="no.such.Service"), timeout=30)
    out["watch_unknown_first"] = status(next(unknown).status)
    unknown.cancel()
    return out


def scenario_unknown_method():
    return {"method": call(lambda: unary("Nope", pb.GenerateResponse)(pb.GenerateRequest(prompt="x"), timeout=10)),
            "service": call(lambda: unary("Generate", pb.GenerateResponse, "/align.v9.Nothing/")(pb.GenerateRequest(prompt="x"), timeout=10))}


def scenario_list_models():
    def run():
        models = unary("ListModels", pb.ListModelsResponse)(pb.ListModelsRequest(), timeout=10).models
        adapters = unary("ListAdapters", pb.ListAdaptersResponse)(pb.ListAdaptersRequest(), timeout=10).adapters
        return {"code": "OK", "adapters": len(adapters),
                "models": [{"name": m.name, "ready": m.ready, "default_width": m.default_width,
                            "has_default_width": m.HasField("default_width"), "rewards": list(m.rewards),
                            "default_scheduler": m.default_scheduler, "schedulers": list(m.schedulers)} for m in models]}
    return call(run)


def scenario_adapters():
    # ARG: the name of an adapter the store holds
    def info(a):
        return {"name": a.name, "version": a.version, "published_at": a.published_at, "annotations": dict(a.annotations),
                "models": [{"model": m.model, "version": m.version, "loaded": m.loaded, "bytes": m.bytes, "in_use": m.in_use,
                            "error": m.error if m.HasField("error") else None} for m in a.models]}

    listed = unary("ListAdapters", pb.ListAdaptersResponse)(pb.ListAdaptersRequest(), timeout=10).adapters
    out = {"code": "OK", "listed": [info(a) for a in listed]}
    out["unload"] = call(lambda: info(unary("UnloadAdapter", pb.AdapterInfo)(pb.UnloadAdapterRequest(name=ARG), timeout=30)))
    out["load"] = call(lambda: info(unary("LoadAdapter", pb.AdapterInfo)(pb.LoadAdapterRequest(name=ARG), timeout=30)))
    out["load_unknown"] = call(lambda: info(unary("LoadAdapter", pb.AdapterInfo)(pb.LoadAdapterRequest(name="ghost"), timeout=30)))
    out["load_unknown_model"] = call(lambda: info(unary("LoadAdapter", pb.AdapterInfo)(
        pb.LoadAdapterRequest(name=ARG, model="no-such-model"), timeout=30)))
    request = pb.GenerateRequest(prompt="a red circle", seed=3, steps=4)
    out["plain"] = call(lambda: response(generate(request, timeout=60)))
    request.adapters.add(name=ARG, weight=0.9)
    def with_adapter():
        r = generate(request, timeout=60)
        d = response(r)
        d["adapters"] = [{"name": a.name, "version": a.version, "weight": a.weight} for a in r.adapters]
        return d
    out["with_adapter"] = call(with_adapter)
    missing = pb.GenerateRequest(prompt="a red circle", steps=4)
    missing.adapters.add(name="ghost")
    out["missing"] = call(lambda: response(generate(missing, timeout=60)))
    return out


def scenario_api_key():
    # ARG: the server's key
    request = pb.GenerateRequest(prompt="a red circle", steps=4)
    check = unary("Check", health.HealthCheckResponse, HEALTH)
    return {
        "no_key": call(lambda: response(generate(request, timeout=30))),
        "wrong_key": call(lambda: response(generate(request, timeout=30, metadata=[("x-api-key", "wrong")]))),
        "bearer": call(lambda: response(generate(request, timeout=30, metadata=[("authorization", "Bearer " + ARG)]))),
        "x_api_key": call(lambda: response(generate(request, timeout=30, metadata=[("x-api-key", ARG)]))),
        "list_models_no_key": call(lambda: {"code": "OK", "n": len(unary("ListModels", pb.ListModelsResponse)(pb.ListModelsRequest(), timeout=10).models)}),
        "health_no_key": call(lambda: {"code": "OK", "status": health.HealthCheckResponse.ServingStatus.Name(
            check(health.HealthCheckRequest(), timeout=10).status)}),
    }


print(json.dumps(globals()["scenario_" + SCENARIO]()))
