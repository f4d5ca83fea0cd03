//! Where a run trains: [`DeviceSpec`], what `--device` and an experiment's `device` key name.
//!
//! | name | backend | built with |
//! |---|---|---|
//! | `cpu` (default) | burn's Flex CPU backend, cyclr's conv/max-pool kernels | always |
//! | `wgpu` | burn's wgpu backend on the adapter wgpu ranks best (a discrete GPU first; `CUBECL_WGPU_DEFAULT_DEVICE` overrides) | feature `wgpu` |
//! | `wgpu:cpu` | wgpu on a CPU adapter (Mesa's lavapipe: what the parity tests run on) | feature `wgpu` |
//! | `wgpu:N` | wgpu on the N-th discrete GPU | feature `wgpu` |
//! | `cuda`, `cuda:N` | burn's CUDA backend on GPU N (0 by default) | feature `cuda` |
//!
//! Every device runs the same code: the networks' weights are drawn on the host by cyclr's own
//! generator ([`crate::model`]), batches are built on the host and uploaded, and everything else
//! (forward, backward, every optimizer, the range test, checkpoints) is burn tensor code. cyclr's
//! own convolution and max-pool kernels are Flex-only; elsewhere burn's run
//! ([`crate::kernels`] checks).
//!
//! **Determinism.** On `cpu` a run is bit-reproducible and a resumed run bit-identical. On a GPU
//! the same seed gives the same weights and data order, and a run agrees with `cpu` to float32
//! rounding at first (the parity test bounds the loss curves' difference by 1e-4 relative over 50
//! steps on lavapipe), but GPU reductions may sum in an order that changes between launches, so
//! two GPU runs, or a run and its resumption, can drift apart by rounding; a checkpoint resumes on
//! the device it was written on (its identity names the device).
//!
//! [`DeviceSpec::open`] checks that a device works (a matmul and its gradient, read back) before
//! a run starts, so a missing driver or GPU is an error there, never a panic or a hang mid-run.

use std::fmt;
use std::str::FromStr;
use std::sync::mpsc;
use std::time::Duration;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// A training device (see the [module docs](self) for the names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum DeviceSpec {
    /// burn's Flex CPU backend.
    #[default]
    Cpu,
    /// burn's wgpu backend on this adapter.
    Wgpu(WgpuAdapter),
    /// burn's CUDA backend on the GPU of this index.
    Cuda(usize),
}

/// Which wgpu adapter [`DeviceSpec::Wgpu`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WgpuAdapter {
    /// The one wgpu ranks best.
    #[default]
    Best,
    /// A CPU adapter (lavapipe).
    Cpu,
    /// The N-th discrete GPU.
    Discrete(usize),
}

/// The accepted device names.
pub const DEVICE_NAMES: &str = "cpu, wgpu, wgpu:cpu, wgpu:N, cuda, cuda:N";

/// Why a device cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    /// Not a device name.
    #[error("unknown device {0:?}: expected one of {DEVICE_NAMES}")]
    Unknown(String),
    /// The binary was built without the backend.
    #[error(
        "device {device}: this build has no {feature} backend (built with: {built}); rebuild with \
         `cargo build --release --features {feature}`{hint}"
    )]
    NotBuilt {
        /// The device asked for.
        device: DeviceSpec,
        /// The cargo feature it needs.
        feature: &'static str,
        /// The backends this build has.
        built: String,
        /// How to build it, where that takes more than the feature.
        hint: &'static str,
    },
    /// The backend did not start or failed its check.
    #[error("device {device} does not work here: {why}")]
    Failed {
        /// The device asked for.
        device: DeviceSpec,
        /// What went wrong (the backend's own message).
        why: String,
    },
}

impl DeviceSpec {
    /// The cargo feature the device needs (`None`: always built).
    pub fn feature(self) -> Option<&'static str> {
        match self {
            DeviceSpec::Cpu => None,
            DeviceSpec::Wgpu(_) => Some("wgpu"),
            DeviceSpec::Cuda(_) => Some("cuda"),
        }
    }

    /// Whether this build has the device's backend.
    pub fn is_built(self) -> bool {
        match self {
            DeviceSpec::Cpu => true,
            DeviceSpec::Wgpu(_) => cfg!(feature = "wgpu"),
            DeviceSpec::Cuda(_) => cfg!(feature = "cuda"),
        }
    }

    /// Whether runs on it are bit-reproducible (see the module docs).
    pub fn is_deterministic(self) -> bool {
        self == DeviceSpec::Cpu
    }

    /// The backends this build has, as `--device` names.
    pub fn built() -> Vec<&'static str> {
        let mut v = vec!["cpu"];
        if cfg!(feature = "wgpu") {
            v.push("wgpu");
        }
        if cfg!(feature = "cuda") {
            v.push("cuda");
        }
        v
    }

    /// The autodiff device, without checking that it works (see [`open`](Self::open)).
    pub fn device(self) -> Result<Device, DeviceError> {
        match self {
            DeviceSpec::Cpu => Ok(crate::device()),
            #[cfg(feature = "wgpu")]
            DeviceSpec::Wgpu(a) => {
                use burn::tensor::DeviceKind;
                let kind = match a {
                    WgpuAdapter::Best => DeviceKind::DefaultDevice,
                    WgpuAdapter::Cpu => DeviceKind::Cpu,
                    WgpuAdapter::Discrete(n) => DeviceKind::DiscreteGpu(n),
                };
                Ok(Device::wgpu(kind).autodiff())
            }
            #[cfg(feature = "cuda")]
            DeviceSpec::Cuda(n) => Ok(Device::cuda(n).autodiff()),
            #[allow(unreachable_patterns)]
            other => Err(other.not_built()),
        }
    }

    fn not_built(self) -> DeviceError {
        let feature = self.feature().unwrap_or("flex");
        DeviceError::NotBuilt {
            device: self,
            feature,
            built: DeviceSpec::built().join(", "),
            hint: if feature == "cuda" {
                " after deploy/cuda/build.sh has laid out LLVM (the README's GPU section)"
            } else {
                ""
            },
        }
    }

    /// The autodiff device once it has passed a check: a small matmul, its gradient and a read
    /// back, run on a helper thread with the backend's panics caught and a time limit
    /// (`CYCLR_DEVICE_TIMEOUT` seconds, default 300: a first wgpu start compiles shaders), so a
    /// missing driver or GPU is an error here, never a panic or a hang later.
    /// A device that passed once is not checked again in this process.
    pub fn open(self) -> Result<Device, DeviceError> {
        static PASSED: std::sync::Mutex<Vec<DeviceSpec>> = std::sync::Mutex::new(Vec::new());
        // One check at a time (the panic hook is process-wide).
        static CHECKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let device = self.device()?;
        if self == DeviceSpec::Cpu {
            return Ok(device);
        }
        let _one = CHECKING.lock().unwrap_or_else(|e| e.into_inner());
        if PASSED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&self)
        {
            return Ok(device);
        }
        self.check(device.clone())?;
        PASSED.lock().unwrap_or_else(|e| e.into_inner()).push(self);
        Ok(device)
    }

    fn check(self, device: Device) -> Result<(), DeviceError> {
        let limit = std::env::var("CYCLR_DEVICE_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(300);
        let (tx, rx) = mpsc::channel();
        let probe_device = device;
        // The backend panics (in its own threads, too) when it finds no driver or no GPU: a hook
        // keeps the first message for the error instead of printing it.
        let caught = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
        let previous = std::panic::take_hook();
        {
            let caught = caught.clone();
            std::panic::set_hook(Box::new(move |info| {
                let mut c = caught.lock().unwrap_or_else(|e| e.into_inner());
                if c.is_none() {
                    *c = Some(panic_text(info));
                }
            }));
        }
        let spawned = std::thread::Builder::new()
            .name("cyclr-device-check".into())
            .spawn(move || {
                let r = std::panic::catch_unwind(|| probe(&probe_device));
                let _ = tx.send(r.unwrap_or_else(|_| Err("the backend panicked".into())));
            });
        let result = match spawned {
            Err(e) => Err(format!("could not start the check: {e}")),
            Ok(_) => match rx.recv_timeout(Duration::from_secs(limit)) {
                Ok(r) => r,
                Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                    "no answer within {limit} s (CYCLR_DEVICE_TIMEOUT sets the limit)"
                )),
                Err(mpsc::RecvTimeoutError::Disconnected) => Err("the backend panicked".into()),
            },
        };
        // Give a background thread's panic a moment to arrive before the hook goes.
        if result.is_err() {
            std::thread::sleep(Duration::from_millis(100));
        }
        std::panic::set_hook(previous);
        let panic = caught.lock().unwrap_or_else(|e| e.into_inner()).take();
        match result {
            Ok(()) => Ok(()),
            Err(why) => Err(DeviceError::Failed {
                device: self,
                why: match panic {
                    Some(p) => format!("{why}: {p}"),
                    None => why,
                },
            }),
        }
    }
}

/// Whether `d` is the default device (serde's `skip_serializing_if`: files written for the CPU
/// stay as they were before devices existed).
pub fn is_cpu(d: &DeviceSpec) -> bool {
    *d == DeviceSpec::Cpu
}

fn panic_text(info: &std::panic::PanicHookInfo<'_>) -> String {
    let p = info.payload();
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    // One line, not a backend's whole report.
    let line = msg.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut s: String = line.chars().take(300).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

/// `y = sum((x·w)²)`, its gradient with respect to `w` read back and compared with the
/// closed form `2·xᵀ(x·w)`.
fn probe(device: &Device) -> Result<(), String> {
    use burn::tensor::{Tensor, TensorData};
    let x = [[1.0f32, 2.0], [3.0, -1.0]];
    let w = [[0.5f32, -1.0], [2.0, 0.25]];
    let xt = Tensor::<2>::from_data(TensorData::from(x), device);
    let wt = Tensor::<2>::from_data(TensorData::from(w), device).require_grad();
    let y = xt.matmul(wt.clone());
    let loss = (y.clone() * y).sum();
    let grads = loss.backward();
    let g = wt
        .grad(&grads)
        .ok_or("no gradient came back")?
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| format!("{e:?}"))?;
    let mut want = [0.0f32; 4];
    let xw = |i: usize, j: usize| x[i][0] * w[0][j] + x[i][1] * w[1][j];
    for k in 0..2 {
        for j in 0..2 {
            want[k * 2 + j] = 2.0 * (x[0][k] * xw(0, j) + x[1][k] * xw(1, j));
        }
    }
    if g.iter()
        .zip(want)
        .all(|(a, b)| (a - b).abs() <= 1e-4 * b.abs().max(1.0))
    {
        Ok(())
    } else {
        Err(format!(
            "a matmul's gradient came back wrong: {g:?}, expected {want:?}"
        ))
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Wgpu(WgpuAdapter::Best) => f.write_str("wgpu"),
            DeviceSpec::Wgpu(WgpuAdapter::Cpu) => f.write_str("wgpu:cpu"),
            DeviceSpec::Wgpu(WgpuAdapter::Discrete(n)) => write!(f, "wgpu:{n}"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl FromStr for DeviceSpec {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, DeviceError> {
        let unknown = || DeviceError::Unknown(s.to_owned());
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let index = |a: &str| a.parse::<usize>().map_err(|_| unknown());
        Ok(match (name, arg) {
            ("cpu", None) => DeviceSpec::Cpu,
            ("wgpu", None) => DeviceSpec::Wgpu(WgpuAdapter::Best),
            ("wgpu", Some("cpu")) => DeviceSpec::Wgpu(WgpuAdapter::Cpu),
            ("wgpu", Some(a)) => DeviceSpec::Wgpu(WgpuAdapter::Discrete(index(a)?)),
            ("cuda", None) => DeviceSpec::Cuda(0),
            ("cuda", Some(a)) => DeviceSpec::Cuda(index(a)?),
            _ => return Err(unknown()),
        })
    }
}

impl From<DeviceSpec> for String {
    fn from(d: DeviceSpec) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for DeviceSpec {
    type Error = DeviceError;
    fn try_from(s: String) -> Result<Self, DeviceError> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ["cpu", "wgpu", "wgpu:cpu", "wgpu:1", "cuda:0", "cuda:3"] {
            let d: DeviceSpec = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
            let j = serde_json::to_string(&d).unwrap();
            assert_eq!(serde_json::from_str::<DeviceSpec>(&j).unwrap(), d);
        }
        assert_eq!("cuda".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
    }

    #[test]
    fn bad_names_list_the_good_ones() {
        for s in ["gpu", "cuda:x", "wgpu:", "cpu:0", "CUDA", ""] {
            let e = s.parse::<DeviceSpec>().unwrap_err().to_string();
            assert!(e.contains(DEVICE_NAMES), "{s}: {e}");
        }
    }

    #[test]
    fn cpu_opens_and_passes_the_check() {
        DeviceSpec::Cpu.open().unwrap();
        probe(&DeviceSpec::Cpu.device().unwrap()).unwrap();
    }

    #[test]
    fn a_backend_left_out_of_the_build_says_how_to_build_it() {
        for d in [DeviceSpec::Wgpu(WgpuAdapter::Cpu), DeviceSpec::Cuda(0)] {
            if d.is_built() {
                continue;
            }
            let e = d.open().unwrap_err().to_string();
            assert!(e.contains("--features"), "{e}");
            assert!(e.contains(d.feature().unwrap()), "{e}");
        }
    }
}
