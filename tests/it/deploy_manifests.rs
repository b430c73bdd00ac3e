//! The deployment examples under `deploy/kubernetes/` cannot run here (no cluster): they are
//! checked instead against `deploy/schemas/kubernetes-manifests.schema.json` (the kinds and
//! fields they use, unknown fields refused), and for what makes them a gate: the init
//! container runs `ai-interop unpack` into an emptyDir the serving container mounts, and
//! every gate asks for `org.cncf.ai.lifecycle.status`.

use jsonschema::Validator;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> Validator {
    let text =
        std::fs::read_to_string(root().join("deploy/schemas/kubernetes-manifests.schema.json"))
            .expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("deploy/kubernetes") {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// Every object of every manifest, with the file it came from.
fn objects() -> Vec<(PathBuf, Value)> {
    let mut files = Vec::new();
    yaml_files(&root().join("deploy/kubernetes"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for d in docs {
            out.push((f.clone(), d));
        }
    }
    out
}

fn of_kind<'a>(objects: &'a [(PathBuf, Value)], kind: &str) -> Vec<&'a Value> {
    objects
        .iter()
        .filter(|(_, o)| o["kind"] == kind)
        .map(|(_, o)| o)
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn every_manifest_is_valid_against_the_schema() {
    let v = validator();
    let objects = objects();
    assert!(objects.len() >= 5, "{} objects", objects.len());
    for (file, o) in &objects {
        let errors: Vec<String> = v
            .iter_errors(o)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

#[test]
fn the_schema_refuses_what_it_should() {
    let v = validator();
    let (_, deployment) = objects()
        .into_iter()
        .find(|(_, o)| o["kind"] == "Deployment")
        .expect("a Deployment");
    let mut bad = deployment.clone();
    bad["spec"]["template"]["spec"]["initContainers"][0]["volumeMount"] = Value::Array(vec![]);
    assert!(!v.is_valid(&bad), "a misspelt field");
    let mut bad = deployment.clone();
    bad["spec"]["template"]["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = "lots".into();
    assert!(!v.is_valid(&bad), "a bad quantity");
    let mut bad = deployment;
    bad["kind"] = "StatefulSet".into();
    assert!(!v.is_valid(&bad), "a kind the schema does not know");
}

#[test]
fn the_init_container_unpacks_into_an_empty_dir_the_server_mounts() {
    let objects = objects();
    let deployments = of_kind(&objects, "Deployment");
    assert_eq!(deployments.len(), 1);
    let pod = &deployments[0]["spec"]["template"]["spec"];
    let init = &pod["initContainers"][0];
    let args = strings(&init["args"]);
    assert_eq!(args[0], "unpack");
    let dest = args[2];
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v.get("emptyDir").is_some())
        .expect("an emptyDir volume");
    let name = &volume["name"];
    let mount_of = |c: &Value| {
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| &m["name"] == name)
            .cloned()
    };
    let init_mount = mount_of(init).expect("the init container mounts the emptyDir");
    let mount_path = init_mount["mountPath"].as_str().unwrap();
    assert!(
        dest.starts_with(&format!("{mount_path}/")),
        "{dest} lies inside the emptyDir (so the temporary directory does too)"
    );
    let serve = &pod["containers"][0];
    let serve_mount = mount_of(serve).expect("the server mounts the emptyDir");
    assert_eq!(serve_mount["readOnly"], true);
    let command = strings(&serve["command"]).join(" ");
    assert!(command.contains(dest.trim_start_matches(mount_path).trim_start_matches('/')));
    // The command line the init container runs parses as this binary's `unpack`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The gate runs the `trusted` profile with a policy file from the ConfigMap volume it mounts,
/// and that ConfigMap holds the policy and every key it names.
fn trusted_with_the_mounted_policy(
    objects: &[(PathBuf, Value)],
    pod: &Value,
    c: &Value,
    args: &[&str],
) {
    let after = |flag: &str| args[args.iter().position(|a| *a == flag).expect(flag) + 1];
    assert_eq!(after("--profile"), "trusted");
    let policy = Path::new(after("--policy"));
    let mount = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| policy.parent() == Some(Path::new(m["mountPath"].as_str().unwrap())))
        .expect("the policy's directory is a mount");
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mounted volume");
    let name = &volume["configMap"]["name"];
    let cm = of_kind(objects, "ConfigMap")
        .into_iter()
        .find(|m| &m["metadata"]["name"] == name)
        .expect("the ConfigMap the gate mounts");
    let file = policy.file_name().unwrap().to_str().unwrap();
    let text = cm["data"][file]
        .as_str()
        .expect("the policy in the ConfigMap");
    let p: Value = serde_json::from_str(text).unwrap();
    for k in p["keys"].as_array().expect("keys") {
        assert!(
            cm["data"][k.as_str().unwrap()].is_string(),
            "{k} in the ConfigMap"
        );
    }
}

#[test]
fn every_gate_asks_for_the_lifecycle_status() {
    let objects = objects();
    let mut gates = 0;
    for kind in ["Deployment", "Job"] {
        for o in of_kind(&objects, kind) {
            let pod = &o["spec"]["template"]["spec"];
            for c in pod["initContainers"]
                .as_array()
                .into_iter()
                .chain(pod["containers"].as_array())
                .flatten()
            {
                let args = strings(&c["args"]);
                if matches!(args.first(), Some(&"unpack" | &"verify")) {
                    let i = args
                        .iter()
                        .position(|a| *a == "--require-lifecycle")
                        .expect("--require-lifecycle");
                    assert_eq!(args[i + 1], "validated,product-ready");
                    trusted_with_the_mounted_policy(&objects, pod, c, &args);
                    gates += 1;
                }
            }
        }
    }
    assert_eq!(gates, 2, "the init container and the verify Job");
    let job = of_kind(&objects, "Job")[0];
    assert_eq!(
        job["metadata"]["annotations"]["argocd.argoproj.io/hook"],
        "PreSync"
    );
    let k = of_kind(&objects, "Kustomization")[0];
    let exprs = serde_json::to_string(&k["spec"]["healthCheckExprs"]).unwrap();
    assert!(exprs.contains("org.cncf.ai.lifecycle.status"));
    let app = of_kind(&objects, "Application")[0];
    assert_eq!(
        app["spec"]["source"]["path"],
        k["spec"]["path"].as_str().unwrap().trim_start_matches("./"),
        "Argo CD and Flux deploy the same workload"
    );
    assert_eq!(of_kind(&objects, "OCIRepository").len(), 1);
}
