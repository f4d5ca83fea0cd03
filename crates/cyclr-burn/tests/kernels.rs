//! cyclr's kernels against burn's own operations: outputs and every gradient (input, weight,
//! bias) for random shapes inside and outside the fast path, and independence of the number of
//! threads (bit for bit).

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor, TensorData};
use cyclr_burn::kernels::{self, Kernels};
use proptest::prelude::*;

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn tensor4(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    let n = shape.iter().product();
    Tensor::from_data(TensorData::new(values(n, seed), shape), device)
}

fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// `|a − b| ≤ tol · max(1, max|b|)` elementwise (relative to the tensor's scale: the kernels sum
/// the same products in another order).
fn assert_close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}[{i}]: {x} vs {y} (scale {scale})"
        );
    }
}

#[derive(Debug, Clone)]
struct ConvCase {
    n: usize,
    ci: usize,
    co: usize,
    h: usize,
    w: usize,
    k: [usize; 2],
    stride: [usize; 2],
    padding: PaddingConfig2d,
    dilation: usize,
    groups: usize,
    bias: bool,
    seed: u64,
}

impl ConvCase {
    fn conv(&self, device: &Device) -> Conv2d {
        let mut conv = Conv2dConfig::new([self.ci, self.co], self.k)
            .with_stride(self.stride)
            .with_padding(self.padding.clone())
            .with_dilation([self.dilation; 2])
            .with_groups(self.groups)
            .with_bias(self.bias)
            .init(device);
        let [a, b, c, d] = conv.weight.val().dims();
        conv.weight = Param::from_tensor(tensor4([a, b, c, d], self.seed + 1, device));
        if self.bias {
            let v = values(self.co, self.seed + 2);
            conv.bias = Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(v, [self.co]),
                device,
            )));
        }
        conv
    }
}

fn conv_case(fast: bool) -> impl Strategy<Value = ConvCase> {
    (
        (1usize..4, 1usize..5, 1usize..6, 1usize..11, 1usize..11),
        (1usize..6, 1usize..6, 1usize..4, 1usize..4),
        (0usize..3, 0usize..3, 0usize..3, 0usize..3),
        (0u8..4, any::<bool>(), any::<u64>()),
    )
        .prop_map(
            move |(
                (n, ci, co, h, w),
                (kh, kw, sh, sw),
                (pt, pl, pb, pr),
                (variant, bias, seed),
            )| {
                let mut c = ConvCase {
                    n,
                    ci,
                    co,
                    h,
                    w,
                    k: [kh, kw],
                    stride: [sh, sw],
                    padding: PaddingConfig2d::Explicit(pt, pl, pb, pr),
                    dilation: 1,
                    groups: 1,
                    bias,
                    seed,
                };
                if variant == 1 {
                    c.padding = PaddingConfig2d::Valid;
                }
                if !fast {
                    match variant {
                        0 => c.dilation = 2,
                        1 => {
                            // Two groups.
                            c.ci *= 2;
                            c.co *= 2;
                            c.groups = 2;
                        }
                        2 => {
                            c.padding = PaddingConfig2d::Same;
                            c.stride = [1, 1];
                            c.k = [2 * (kh / 2) + 1, 2 * (kw / 2) + 1];
                        }
                        _ => c.dilation = 3,
                    }
                }
                c
            },
        )
        .prop_filter("the kernel fits the padded input", |c| {
            let (pad_h, pad_w) = match c.padding {
                PaddingConfig2d::Explicit(t, l, b, r) => (t + b, l + r),
                _ => (0, 0),
            };
            let span = |k: usize| c.dilation * (k - 1) + 1;
            matches!(c.padding, PaddingConfig2d::Same)
                || (c.h + pad_h >= span(c.k[0]) && c.w + pad_w >= span(c.k[1]))
        })
}

/// Output and every gradient of `conv` on `x` with `kernels`, for the loss `Σ y ⊙ r`.
fn conv_run(c: &ConvCase, kernels: Kernels) -> Vec<Vec<f32>> {
    let device = Device::flex().autodiff();
    let conv = c.conv(&device);
    let x = tensor4([c.n, c.ci, c.h, c.w], c.seed, &device).require_grad();
    let y = kernels.conv2d(&conv, x.clone());
    let r = tensor4(y.dims(), c.seed + 3, &device);
    let grads = (y.clone() * r).sum().backward();
    let mut out = vec![
        vec_of(y),
        vec_of(x.grad(&grads).unwrap()),
        vec_of(conv.weight.val().grad(&grads).unwrap()),
    ];
    if let Some(b) = &conv.bias {
        out.push(vec_of(b.val().grad(&grads).unwrap()));
    }
    out
}

fn check_conv(c: &ConvCase, fast: bool) {
    let device = Device::flex().autodiff();
    let x = tensor4([c.n, c.ci, c.h, c.w], c.seed, &device);
    assert_eq!(
        kernels::conv2d_takes_fast_path(&c.conv(&device), &x),
        fast,
        "{c:?}"
    );
    let ours = conv_run(c, Kernels::Cyclr);
    let burn = conv_run(c, Kernels::Burn);
    for (i, (a, b)) in ours.iter().zip(&burn).enumerate() {
        let what = ["output", "input grad", "weight grad", "bias grad"][i];
        assert_close(a, b, 1e-5, &format!("{what} {c:?}"));
    }
}

fn pool_case(
    fast: bool,
) -> impl Strategy<Value = (usize, usize, usize, usize, MaxPoolOptions<2>, u64)> {
    (
        (1usize..4, 1usize..4, 1usize..12, 1usize..12),
        (1usize..5, 1usize..5, 1usize..4, 1usize..4, any::<bool>()),
        (0u8..2, any::<u64>()),
    )
        .prop_map(
            move |((n, c, h, w), (kh, kw, sh, sw, ceil), (variant, seed))| {
                let mut o = MaxPoolOptions::new([kh, kw])
                    .with_stride([sh, sw])
                    .with_ceil_mode(ceil);
                if !fast {
                    if variant == 0 {
                        let (kh, kw) = (kh.max(2), kw.max(2));
                        o.kernel_size = [kh, kw];
                        o = o.with_padding([kh / 2, kw / 2]);
                    } else {
                        o = o.with_dilation([2, 2]);
                    }
                }
                (n, c, h, w, o, seed)
            },
        )
        .prop_filter("a window fits the padded input", |(_, _, h, w, o, _)| {
            let span = |k: usize, d: usize| d * (k - 1) + 1;
            let [(pt, _), (pl, _)] = o.padding;
            h + 2 * pt >= span(o.kernel_size[0], o.dilation[0])
                && w + 2 * pl >= span(o.kernel_size[1], o.dilation[1])
        })
}

/// Output and input gradient of a max pool (with ties and a NaN-free input).
fn pool_run(
    shape: [usize; 4],
    o: &MaxPoolOptions<2>,
    seed: u64,
    kernels: Kernels,
) -> Vec<Vec<f32>> {
    let device = Device::flex().autodiff();
    // Rounded to a few levels so windows hold ties.
    let v: Vec<f32> = values(shape.iter().product(), seed)
        .into_iter()
        .map(|v| (v * 4.0).round())
        .collect();
    let x = Tensor::<4>::from_data(TensorData::new(v, shape), &device).require_grad();
    let y = kernels.max_pool2d(x.clone(), o.clone());
    let r = tensor4(y.dims(), seed + 3, &device);
    let grads = (y.clone() * r).sum().backward();
    vec![vec_of(y), vec_of(x.grad(&grads).unwrap())]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn conv2d_matches_burn_on_the_fast_path(c in conv_case(true)) {
        check_conv(&c, true);
    }

    #[test]
    fn conv2d_falls_back_to_burn_elsewhere(c in conv_case(false)) {
        check_conv(&c, false);
    }

    #[test]
    fn max_pool2d_is_identical_to_burn((n, c, h, w, o, seed) in pool_case(true)) {
        let device = Device::flex();
        prop_assert!(kernels::max_pool2d_takes_fast_path(&tensor4([n, c, h, w], 0, &device), &o));
        let ours = pool_run([n, c, h, w], &o, seed, Kernels::Cyclr);
        let burn = pool_run([n, c, h, w], &o, seed, Kernels::Burn);
        prop_assert_eq!(ours, burn);
    }

    #[test]
    fn max_pool2d_falls_back_to_burn_elsewhere((n, c, h, w, o, seed) in pool_case(false)) {
        let device = Device::flex();
        prop_assert!(!kernels::max_pool2d_takes_fast_path(&tensor4([n, c, h, w], 0, &device), &o));
        let ours = pool_run([n, c, h, w], &o, seed, Kernels::Cyclr);
        let burn = pool_run([n, c, h, w], &o, seed, Kernels::Burn);
        prop_assert_eq!(ours, burn);
    }
}

/// Ties and NaNs, on planes wide enough for the vectorized rows (and odd sizes for their tails).
#[test]
fn max_pool2d_propagates_nan_as_burn_does() {
    let device = Device::flex().autodiff();
    for shape in [
        [2, 3, 7, 6],
        [2, 3, 24, 24],
        [1, 2, 32, 32],
        [2, 2, 17, 23],
        [1, 1, 9, 31],
    ] {
        let n: usize = shape.iter().product();
        // Three levels (ties in most windows) and a NaN every 37 elements.
        let v: Vec<f32> = values(n, 5)
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                if i % 37 == 3 {
                    f32::NAN
                } else {
                    (v * 1.5).round()
                }
            })
            .collect();
        for (k, s, ceil) in [
            (2, 2, false),
            (2, 2, true),
            (3, 2, true),
            (3, 2, false),
            (2, 1, false),
        ] {
            let o = MaxPoolOptions::new([k, k])
                .with_stride([s, s])
                .with_ceil_mode(ceil);
            let run = |kernels: Kernels| {
                let x = Tensor::<4>::from_data(TensorData::new(v.clone(), shape), &device)
                    .require_grad();
                let y = kernels.max_pool2d(x.clone(), o.clone());
                let r = tensor4(y.dims(), 9, &device);
                let grads = (y.clone() * r).sum().backward();
                let bits = |t: Vec<f32>| t.into_iter().map(f32::to_bits).collect::<Vec<_>>();
                (bits(vec_of(y)), bits(vec_of(x.grad(&grads).unwrap())))
            };
            assert!(
                run(Kernels::Cyclr) == run(Kernels::Burn),
                "{shape:?} {k}x{k}/{s} ceil {ceil}"
            );
        }
    }
}

/// Bits of the output and all gradients of a convolution followed by a max pool, in a rayon pool
/// of `threads` threads.
fn bits_with_threads(c: &ConvCase, pool: &MaxPoolOptions<2>, threads: usize) -> Vec<Vec<u32>> {
    let tp = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    tp.install(|| {
        let device = Device::flex().autodiff();
        let conv = c.conv(&device);
        let x = tensor4([c.n, c.ci, c.h, c.w], c.seed, &device).require_grad();
        let y = kernels::conv2d(&conv, x.clone());
        let z = kernels::max_pool2d(y.clone(), pool.clone());
        let r = tensor4(z.dims(), c.seed + 3, &device);
        let grads = (z.clone() * r).sum().backward();
        let mut out = vec![
            vec_of(z),
            vec_of(x.grad(&grads).unwrap()),
            vec_of(conv.weight.val().grad(&grads).unwrap()),
        ];
        if let Some(b) = &conv.bias {
            out.push(vec_of(b.val().grad(&grads).unwrap()));
        }
        out.into_iter()
            .map(|v| v.into_iter().map(f32::to_bits).collect())
            .collect()
    })
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    // Batches of 1..40 samples: fewer than, exactly and more than a few chunks of 8.
    for (i, n) in [1usize, 8, 13, 40].into_iter().enumerate() {
        for (k, pad, stride) in [(5, 0, 1), (5, 2, 1), (3, 1, 2), (1, 0, 1)] {
            let c = ConvCase {
                n,
                ci: 3,
                co: 7,
                h: 12,
                w: 10,
                k: [k, k],
                stride: [stride, stride],
                padding: PaddingConfig2d::Explicit(pad, pad, pad, pad),
                dilation: 1,
                groups: 1,
                bias: true,
                seed: 100 + i as u64,
            };
            for pool in [
                MaxPoolOptions::new([2, 2]).with_stride([2, 2]),
                MaxPoolOptions::new([3, 3])
                    .with_stride([2, 2])
                    .with_ceil_mode(true),
            ] {
                let one = bits_with_threads(&c, &pool, 1);
                for threads in [2, 3] {
                    assert!(
                        one == bits_with_threads(&c, &pool, threads),
                        "{c:?}: 1 vs {threads} threads"
                    );
                }
            }
        }
    }
}

/// The shapes of the built-in networks, at batch 128.
#[test]
fn network_shapes_match_burn() {
    let cases = [
        // LeNet on 28×28 and on 8×8 ("same" padding 2).
        (128, 1, 20, 28, 5, 0, 1),
        (128, 20, 50, 12, 5, 0, 1),
        (16, 1, 20, 8, 5, 2, 1),
        // cifar10-quick/full.
        (32, 3, 32, 32, 5, 2, 1),
        (32, 32, 64, 8, 5, 2, 1),
        // ResNet: 3×3 p1, 3×3/2 p1, 1×1/2.
        (16, 16, 16, 32, 3, 1, 1),
        (16, 16, 32, 32, 3, 1, 2),
        (16, 16, 32, 32, 1, 0, 2),
    ];
    for (i, (n, ci, co, hw, k, pad, stride)) in cases.into_iter().enumerate() {
        check_conv(
            &ConvCase {
                n,
                ci,
                co,
                h: hw,
                w: hw,
                k: [k, k],
                stride: [stride, stride],
                padding: PaddingConfig2d::Explicit(pad, pad, pad, pad),
                dilation: 1,
                groups: 1,
                bias: k != 3,
                seed: 7 + i as u64,
            },
            true,
        );
    }
}

#[test]
fn kernels_parse_and_serialize_in_kebab_case() {
    assert_eq!("cyclr".parse::<Kernels>().unwrap(), Kernels::Cyclr);
    assert_eq!(" Burn ".parse::<Kernels>().unwrap(), Kernels::Burn);
    assert!("fast".parse::<Kernels>().is_err());
    assert_eq!(serde_json::to_string(&Kernels::Burn).unwrap(), "\"burn\"");
    assert_eq!(Kernels::default(), Kernels::Cyclr);
    for k in [Kernels::Cyclr, Kernels::Burn] {
        assert_eq!(k.to_string().parse::<Kernels>().unwrap(), k);
    }
}
