;; PDQ's luma conversion, two-round Jarosz box filter and the sampling of the 64 filtered columns, in WebAssembly
;; SIMD (f32x4): the same float32 operations, in the same order per value, as core/hash/pdq-downsample.ts, so the
;; results are identical bit for bit. Each lane of a vector holds an independent running sum; lanes never mix.
;;
;; Horizontal passes keep four rows in the four lanes ("interleaved": column c of rows r..r+3 is one vector), so
;; the running sum along a row advances four rows per instruction. Vertical passes work on ordinary row-major rows,
;; four columns per vector. 4x4 transposes convert between the two layouts.
;;
;; The pixels are not copied in whole: the host copies four rows of 8-bit RGB at a time when the filter asks for
;; them (import "host" "rows"), so memory stays proportional to the width and height, not their product.
;;
;; Build: scripts/build-wasm.mjs compiles this file into core/hash/wasm/pdq-downsample-wasm.ts.
(module
  (import "host" "rows" (func $hostRows (param i32 i32)))
  (memory (export "memory") 1)

  (global $w (mut i32) (i32.const 0))
  (global $h (mut i32) (i32.const 0))
  ;; Bytes per row-major float row: the width rounded up to whole vectors.
  (global $stride (mut i32) (i32.const 0))
  (global $winX (mut i32) (i32.const 0))
  (global $winV (mut i32) (i32.const 0))
  (global $ringRows (mut i32) (i32.const 0))
  (global $produced (mut i32) (i32.const 0))
  (global $src (mut i32) (i32.const 0))
  (global $ring (mut i32) (i32.const 0))
  (global $bufI (mut i32) (i32.const 0))
  (global $bufI2 (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $sums (mut i32) (i32.const 0))
  (global $q (mut i32) (i32.const 0))
  (global $q2 (mut i32) (i32.const 0))
  (global $cols (mut i32) (i32.const 0))

  ;; Four vectors transposed: lane j of result k is lane k of argument j.
  (func $transpose (param $a v128) (param $b v128) (param $c v128) (param $d v128)
    (result v128 v128 v128 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1))
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3))
    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))

  ;; Luma of four RGB pixels (the first 12 of 16 bytes): fround(fround(0.299 r) + fround(0.587 g)) + fround(0.114 b).
  (func $luma (param $px v128) (result v128)
    (f32x4.add
      (f32x4.add
        (f32x4.mul
          (f32x4.convert_i32x4_u
            (i8x16.swizzle (local.get $px) (v128.const i8x16 0 -1 -1 -1 3 -1 -1 -1 6 -1 -1 -1 9 -1 -1 -1)))
          (f32x4.splat (f32.const 0.299)))
        (f32x4.mul
          (f32x4.convert_i32x4_u
            (i8x16.swizzle (local.get $px) (v128.const i8x16 1 -1 -1 -1 4 -1 -1 -1 7 -1 -1 -1 10 -1 -1 -1)))
          (f32x4.splat (f32.const 0.587))))
      (f32x4.mul
        (f32x4.convert_i32x4_u
          (i8x16.swizzle (local.get $px) (v128.const i8x16 2 -1 -1 -1 5 -1 -1 -1 8 -1 -1 -1 11 -1 -1 -1)))
        (f32x4.splat (f32.const 0.114)))))

  ;; Luma of the `rows` (1..4) RGB rows at $src, interleaved into $bufI. Missing rows repeat the last one.
  (func $lumaRows (param $rows i32)
    (local $rowBytes i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $c i32) (local $d i32) (local $o i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $rowBytes (i32.mul (global.get $w) (i32.const 3)))
    (local.set $p0 (global.get $src))
    (local.set $p1 (i32.add (global.get $src)
      (i32.mul (local.get $rowBytes) (select (i32.const 1) (i32.const 0) (i32.gt_u (local.get $rows) (i32.const 1))))))
    (local.set $p2 (i32.add (global.get $src)
      (i32.mul (local.get $rowBytes)
        (select (i32.const 2) (i32.sub (local.get $rows) (i32.const 1)) (i32.gt_u (local.get $rows) (i32.const 2))))))
    (local.set $p3 (i32.add (global.get $src)
      (i32.mul (local.get $rowBytes) (i32.sub (local.get $rows) (i32.const 1)))))
    (local.set $d (global.get $bufI))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (global.get $w)))
        (local.set $o (i32.mul (local.get $c) (i32.const 3)))
        (call $transpose
          (call $luma (v128.load (i32.add (local.get $p0) (local.get $o))))
          (call $luma (v128.load (i32.add (local.get $p1) (local.get $o))))
          (call $luma (v128.load (i32.add (local.get $p2) (local.get $o))))
          (call $luma (v128.load (i32.add (local.get $p3) (local.get $o)))))
        (local.set $v3)
        (local.set $v2)
        (local.set $v1)
        (local.set $v0)
        (v128.store offset=0 (local.get $d) (local.get $v0))
        (v128.store offset=16 (local.get $d) (local.get $v1))
        (v128.store offset=32 (local.get $d) (local.get $v2))
        (v128.store offset=48 (local.get $d) (local.get $v3))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 64)))
        (br $next))))

  ;; Interleaved ($src, one vector per column) to four row-major rows at $dst, $stride bytes apart.
  (func $deinterleave (param $src i32) (param $dst i32)
    (local $c i32) (local $s i32) (local $d i32) (local $stride i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $stride (global.get $stride))
    (local.set $s (local.get $src))
    (local.set $d (local.get $dst))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (global.get $w)))
        (call $transpose
          (v128.load offset=0 (local.get $s))
          (v128.load offset=16 (local.get $s))
          (v128.load offset=32 (local.get $s))
          (v128.load offset=48 (local.get $s)))
        (local.set $v3)
        (local.set $v2)
        (local.set $v1)
        (local.set $v0)
        (v128.store (local.get $d) (local.get $v0))
        (v128.store (i32.add (local.get $d) (local.get $stride)) (local.get $v1))
        (v128.store (i32.add (local.get $d) (i32.shl (local.get $stride) (i32.const 1))) (local.get $v2))
        (v128.store (i32.add (local.get $d) (i32.mul (local.get $stride) (i32.const 3))) (local.get $v3))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 64)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br $next))))

  ;; Four row-major rows at $src ($stride bytes apart) to interleaved vectors at $dst.
  (func $interleave (param $src i32) (param $dst i32)
    (local $c i32) (local $s i32) (local $d i32) (local $stride i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $stride (global.get $stride))
    (local.set $s (local.get $src))
    (local.set $d (local.get $dst))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (global.get $w)))
        (call $transpose
          (v128.load (local.get $s))
          (v128.load (i32.add (local.get $s) (local.get $stride)))
          (v128.load (i32.add (local.get $s) (i32.shl (local.get $stride) (i32.const 1))))
          (v128.load (i32.add (local.get $s) (i32.mul (local.get $stride) (i32.const 3)))))
        (local.set $v3)
        (local.set $v2)
        (local.set $v1)
        (local.set $v0)
        (v128.store offset=0 (local.get $d) (local.get $v0))
        (v128.store offset=16 (local.get $d) (local.get $v1))
        (v128.store offset=32 (local.get $d) (local.get $v2))
        (v128.store offset=48 (local.get $d) (local.get $v3))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 64)))
        (br $next))))

  ;; One horizontal box pass over $n interleaved vectors at $src into $dst: the reference's four phases (fill the
  ;; left half window; grow to the full window; slide; shrink). A quotient sum/count rounded once to float32 is
  ;; what the reference's double product sum * (1/count), rounded to float32, gives.
  (func $hbox (param $src i32) (param $dst i32) (param $n i32) (param $win i32)
    (local $half i32) (local $k i32) (local $count i32) (local $ri i32) (local $li i32) (local $oi i32)
    (local $sum v128) (local $cnt v128)
    (local.set $half (i32.shr_u (i32.add (local.get $win) (i32.const 2)) (i32.const 1)))
    (local.set $ri (local.get $src))
    (local.set $li (local.get $src))
    (local.set $oi (local.get $dst))
    (local.set $k (i32.sub (local.get $half) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
        (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $k (i32.add (i32.sub (local.get $win) (local.get $half)) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
        (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (v128.store (local.get $oi)
          (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_u (local.get $count)))))
        (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $cnt (f32x4.splat (f32.convert_i32_u (local.get $count))))
    (local.set $k (i32.sub (local.get $n) (local.get $win)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum
          (f32x4.sub (f32x4.add (local.get $sum) (v128.load (local.get $ri))) (v128.load (local.get $li))))
        (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
        (local.set $li (i32.add (local.get $li) (i32.const 16)))
        (v128.store (local.get $oi) (f32x4.div (local.get $sum) (local.get $cnt)))
        (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $k (i32.sub (local.get $half) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f32x4.sub (local.get $sum) (v128.load (local.get $li))))
        (local.set $li (i32.add (local.get $li) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (v128.store (local.get $oi)
          (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_u (local.get $count)))))
        (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Luma rows and the first horizontal pass for the next four rows, into their ring slots.
  (func $produce
    (local $rows i32)
    (local.set $rows (i32.sub (global.get $h) (global.get $produced)))
    (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
    (call $hostRows (global.get $produced) (local.get $rows))
    (call $lumaRows (local.get $rows))
    (call $hbox (global.get $bufI) (global.get $bufI2) (global.get $w) (global.get $winX))
    (call $deinterleave (global.get $bufI2)
      (i32.add (global.get $ring)
        (i32.mul (i32.rem_u (global.get $produced) (global.get $ringRows)) (global.get $stride))))
    (global.set $produced (i32.add (global.get $produced) (local.get $rows))))

  ;; Address of input row $r of a vertical pass: a ring slot (produced on demand) in pass 1, a row of q in pass 2.
  (func $rowIn (param $pass i32) (param $r i32) (result i32)
    (if (result i32) (i32.eqz (local.get $pass))
      (then
        (block $done
          (loop $next
            (br_if $done (i32.lt_u (local.get $r) (global.get $produced)))
            (call $produce)
            (br $next)))
        (i32.add (global.get $ring)
          (i32.mul (i32.rem_u (local.get $r) (global.get $ringRows)) (global.get $stride))))
      (else (i32.add (global.get $q) (i32.shl (local.get $r) (i32.const 8))))))

  ;; Address of output row $r of a vertical pass: one of four rows in $out in pass 1, a row of q2 in pass 2.
  (func $rowOut (param $pass i32) (param $r i32) (result i32)
    (if (result i32) (i32.eqz (local.get $pass))
      (then (i32.add (global.get $out) (i32.mul (i32.and (local.get $r) (i32.const 3)) (global.get $stride))))
      (else (i32.add (global.get $q2) (i32.shl (local.get $r) (i32.const 8))))))

  ;; After output row $r of pass 1: once four rows (or the last) are out, the second horizontal pass over them,
  ;; and the 64 sampled columns into rows of q.
  (func $emit (param $pass i32) (param $r i32)
    (local $j i32) (local $v v128) (local $dst i32)
    (if (i32.ne (local.get $pass) (i32.const 0)) (then (return)))
    (if (i32.and
          (i32.ne (i32.and (local.get $r) (i32.const 3)) (i32.const 3))
          (i32.ne (local.get $r) (i32.sub (global.get $h) (i32.const 1))))
      (then (return)))
    (call $interleave (global.get $out) (global.get $bufI))
    (call $hbox (global.get $bufI) (global.get $bufI2) (global.get $w) (global.get $winX))
    ;; Rows past the picture's last (in its last group of four) land in spare rows of q.
    (local.set $dst (i32.add (global.get $q) (i32.shl (i32.and (local.get $r) (i32.const -4)) (i32.const 8))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (i32.const 64)))
        (local.set $v
          (v128.load (i32.add (global.get $bufI2)
            (i32.shl (i32.load (i32.add (global.get $cols) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 4)))))
        (f32.store offset=0 (local.get $dst) (f32x4.extract_lane 0 (local.get $v)))
        (f32.store offset=256 (local.get $dst) (f32x4.extract_lane 1 (local.get $v)))
        (f32.store offset=512 (local.get $dst) (f32x4.extract_lane 2 (local.get $v)))
        (f32.store offset=768 (local.get $dst) (f32x4.extract_lane 3 (local.get $v)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; One vertical box pass over $h rows, $bytes wide, row by row with one running sum per column (lane).
  (func $vbox (param $pass i32) (param $bytes i32)
    (local $half i32) (local $win i32) (local $k i32) (local $count i32) (local $ri i32) (local $li i32)
    (local $oi i32) (local $a i32) (local $b i32) (local $o i32) (local $c i32) (local $s v128) (local $cnt v128)
    (local.set $win (global.get $winV))
    (local.set $half (i32.shr_u (i32.add (local.get $win) (i32.const 2)) (i32.const 1)))
    (memory.fill (global.get $sums) (i32.const 0) (local.get $bytes))
    ;; Fill the left half window.
    (local.set $k (i32.sub (local.get $half) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $a (call $rowIn (local.get $pass) (local.get $ri)))
        (local.set $ri (i32.add (local.get $ri) (i32.const 1)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $bytes)))
            (v128.store (i32.add (global.get $sums) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (global.get $sums) (local.get $c)))
                (v128.load (i32.add (local.get $a) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cnext)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    ;; Grow to the full window.
    (local.set $k (i32.add (i32.sub (local.get $win) (local.get $half)) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $a (call $rowIn (local.get $pass) (local.get $ri)))
        (local.set $ri (i32.add (local.get $ri) (i32.const 1)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $cnt (f32x4.splat (f32.convert_i32_u (local.get $count))))
        (local.set $o (call $rowOut (local.get $pass) (local.get $oi)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $bytes)))
            (local.set $s
              (f32x4.add
                (v128.load (i32.add (global.get $sums) (local.get $c)))
                (v128.load (i32.add (local.get $a) (local.get $c)))))
            (v128.store (i32.add (global.get $sums) (local.get $c)) (local.get $s))
            (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.div (local.get $s) (local.get $cnt)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cnext)))
        (call $emit (local.get $pass) (local.get $oi))
        (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    ;; Slide.
    (local.set $cnt (f32x4.splat (f32.convert_i32_u (local.get $count))))
    (local.set $k (i32.sub (global.get $h) (local.get $win)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $a (call $rowIn (local.get $pass) (local.get $ri)))
        (local.set $b (call $rowIn (local.get $pass) (local.get $li)))
        (local.set $ri (i32.add (local.get $ri) (i32.const 1)))
        (local.set $li (i32.add (local.get $li) (i32.const 1)))
        (local.set $o (call $rowOut (local.get $pass) (local.get $oi)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $bytes)))
            (local.set $s
              (f32x4.sub
                (f32x4.add
                  (v128.load (i32.add (global.get $sums) (local.get $c)))
                  (v128.load (i32.add (local.get $a) (local.get $c))))
                (v128.load (i32.add (local.get $b) (local.get $c)))))
            (v128.store (i32.add (global.get $sums) (local.get $c)) (local.get $s))
            (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.div (local.get $s) (local.get $cnt)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cnext)))
        (call $emit (local.get $pass) (local.get $oi))
        (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    ;; Shrink.
    (local.set $k (i32.sub (local.get $half) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $b (call $rowIn (local.get $pass) (local.get $li)))
        (local.set $li (i32.add (local.get $li) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (local.set $cnt (f32x4.splat (f32.convert_i32_u (local.get $count))))
        (local.set $o (call $rowOut (local.get $pass) (local.get $oi)))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $bytes)))
            (local.set $s
              (f32x4.sub
                (v128.load (i32.add (global.get $sums) (local.get $c)))
                (v128.load (i32.add (local.get $b) (local.get $c)))))
            (v128.store (i32.add (global.get $sums) (local.get $c)) (local.get $s))
            (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.div (local.get $s) (local.get $cnt)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cnext)))
        (call $emit (local.get $pass) (local.get $oi))
        (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Filters the w x h RGB picture (rows supplied by the host at `src`) and leaves, in q2, the 64 filtered and
  ;; sampled columns of every row (h rows of 64 floats); the host then picks the 64 sampled rows. The other
  ;; arguments are the addresses of the work buffers, laid out by the host (see pdq-downsample-simd.ts).
  (func (export "downsample")
    (param $w i32) (param $h i32) (param $winX i32) (param $winV i32) (param $ringRows i32) (param $stride i32)
    (param $src i32) (param $ring i32) (param $bufI i32) (param $bufI2 i32) (param $out i32) (param $sums i32)
    (param $q i32) (param $q2 i32) (param $cols i32)
    (global.set $w (local.get $w))
    (global.set $h (local.get $h))
    (global.set $winX (local.get $winX))
    (global.set $winV (local.get $winV))
    (global.set $ringRows (local.get $ringRows))
    (global.set $stride (local.get $stride))
    (global.set $src (local.get $src))
    (global.set $ring (local.get $ring))
    (global.set $bufI (local.get $bufI))
    (global.set $bufI2 (local.get $bufI2))
    (global.set $out (local.get $out))
    (global.set $sums (local.get $sums))
    (global.set $q (local.get $q))
    (global.set $q2 (local.get $q2))
    (global.set $cols (local.get $cols))
    (global.set $produced (i32.const 0))
    (call $vbox (i32.const 0) (local.get $stride))
    (call $vbox (i32.const 1) (i32.const 256))))
