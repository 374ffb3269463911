// Forty fields: every accessor of every field is generated, and they do not collide.
use ctxlocal::async_local;

#[async_local]
struct Wide {
    f0: u64,
    f1: u64,
    f2: u64,
    f3: u64,
    f4: u64,
    f5: u64,
    f6: u64,
    f7: u64,
    f8: u64,
    f9: u64,
    f10: u64,
    f11: u64,
    f12: u64,
    f13: u64,
    f14: u64,
    f15: u64,
    f16: u64,
    f17: u64,
    f18: u64,
    f19: u64,
    f20: u64,
    f21: u64,
    f22: u64,
    f23: u64,
    f24: u64,
    f25: u64,
    f26: u64,
    f27: u64,
    f28: u64,
    f29: u64,
    f30: u64,
    f31: u64,
    f32: u64,
    f33: u64,
    f34: u64,
    f35: u64,
    f36: u64,
    f37: u64,
    f38: u64,
    f39: u64,
}

fn main() {
    Wide::set_f0(0);
    Wide::set_f1(1);
    Wide::set_f2(2);
    Wide::set_f3(3);
    Wide::set_f4(4);
    Wide::set_f5(5);
    Wide::set_f6(6);
    Wide::set_f7(7);
    Wide::set_f8(8);
    Wide::set_f9(9);
    Wide::set_f10(10);
    Wide::set_f11(11);
    Wide::set_f12(12);
    Wide::set_f13(13);
    Wide::set_f14(14);
    Wide::set_f15(15);
    Wide::set_f16(16);
    Wide::set_f17(17);
    Wide::set_f18(18);
    Wide::set_f19(19);
    Wide::set_f20(20);
    Wide::set_f21(21);
    Wide::set_f22(22);
    Wide::set_f23(23);
    Wide::set_f24(24);
    Wide::set_f25(25);
    Wide::set_f26(26);
    Wide::set_f27(27);
    Wide::set_f28(28);
    Wide::set_f29(29);
    Wide::set_f30(30);
    Wide::set_f31(31);
    Wide::set_f32(32);
    Wide::set_f33(33);
    Wide::set_f34(34);
    Wide::set_f35(35);
    Wide::set_f36(36);
    Wide::set_f37(37);
    Wide::set_f38(38);
    Wide::set_f39(39);
    assert_eq!(Wide::f0(), Some(0));
    assert_eq!(Wide::f1(), Some(1));
    assert_eq!(Wide::f2(), Some(2));
    assert_eq!(Wide::f3(), Some(3));
    assert_eq!(Wide::f4(), Some(4));
    assert_eq!(Wide::f5(), Some(5));
    assert_eq!(Wide::f6(), Some(6));
    assert_eq!(Wide::f7(), Some(7));
    assert_eq!(Wide::f8(), Some(8));
    assert_eq!(Wide::f9(), Some(9));
    assert_eq!(Wide::f10(), Some(10));
    assert_eq!(Wide::f11(), Some(11));
    assert_eq!(Wide::f12(), Some(12));
    assert_eq!(Wide::f13(), Some(13));
    assert_eq!(Wide::f14(), Some(14));
    assert_eq!(Wide::f15(), Some(15));
    assert_eq!(Wide::f16(), Some(16));
    assert_eq!(Wide::f17(), Some(17));
    assert_eq!(Wide::f18(), Some(18));
    assert_eq!(Wide::f19(), Some(19));
    assert_eq!(Wide::f20(), Some(20));
    assert_eq!(Wide::f21(), Some(21));
    assert_eq!(Wide::f22(), Some(22));
    assert_eq!(Wide::f23(), Some(23));
    assert_eq!(Wide::f24(), Some(24));
    assert_eq!(Wide::f25(), Some(25));
    assert_eq!(Wide::f26(), Some(26));
    assert_eq!(Wide::f27(), Some(27));
    assert_eq!(Wide::f28(), Some(28));
    assert_eq!(Wide::f29(), Some(29));
    assert_eq!(Wide::f30(), Some(30));
    assert_eq!(Wide::f31(), Some(31));
    assert_eq!(Wide::f32(), Some(32));
    assert_eq!(Wide::f33(), Some(33));
    assert_eq!(Wide::f34(), Some(34));
    assert_eq!(Wide::f35(), Some(35));
    assert_eq!(Wide::f36(), Some(36));
    assert_eq!(Wide::f37(), Some(37));
    assert_eq!(Wide::f38(), Some(38));
    assert_eq!(Wide::f39(), Some(39));
    Wide::clear();
    assert_eq!(Wide::f39(), None);
}
