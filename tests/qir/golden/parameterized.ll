; ModuleID = 'rotations'
source_filename = "rotations"

define i64 @rotations(double %arg.phi, double %arg.theta) #0 {
entry:
  call void @__quantum__rt__initialize(ptr null)
  br label %body

body:
  call void @__quantum__qis__ry__body(double %arg.theta, ptr null)
  %0 = fmul double 0x4000000000000000, %arg.phi
  %1 = fadd double %0, 0x3FE0000000000000
  call void @__quantum__qis__rz__body(double %1, ptr inttoptr (i64 1 to ptr))
  %2 = fneg double %arg.theta
  %3 = fdiv double %2, 0x4000000000000000
  call void @__quantum__qis__rx__body(double %3, ptr inttoptr (i64 1 to ptr))
  call void @__quantum__qis__cx__body(ptr null, ptr inttoptr (i64 1 to ptr))
  %4 = call double @llvm.cos.f64(double %arg.phi)
  %5 = call double @llvm.pow.f64(double %4, double 0x4000000000000000)
  call void @__quantum__qis__rx__body(double %5, ptr null)
  br label %measurements

measurements:
  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)
  call void @__quantum__qis__mz__body(ptr inttoptr (i64 1 to ptr), ptr writeonly inttoptr (i64 1 to ptr))
  br label %output

output:
  call void @__quantum__rt__tuple_record_output(i64 1, ptr @0)
  call void @__quantum__rt__array_record_output(i64 2, ptr @1)
  call void @__quantum__rt__result_record_output(ptr null, ptr @2)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr @3)
  ret i64 0
}

@0 = internal constant [10 x i8] c"registers\00"
@1 = internal constant [2 x i8] c"c\00"
@2 = internal constant [5 x i8] c"c[0]\00"
@3 = internal constant [5 x i8] c"c[1]\00"

declare void @__quantum__qis__cx__body(ptr, ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1
declare void @__quantum__qis__rx__body(double, ptr)
declare void @__quantum__qis__ry__body(double, ptr)
declare void @__quantum__qis__rz__body(double, ptr)
declare void @__quantum__rt__array_record_output(i64, ptr)
declare void @__quantum__rt__initialize(ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__tuple_record_output(i64, ptr)
declare double @llvm.cos.f64(double)
declare double @llvm.pow.f64(double, double)

attributes #0 = { "entry_point" "output_labeling_schema"="hpcq_registers_v1" "qir_profiles"="base_profile" "required_num_qubits"="2" "required_num_results"="2" }
attributes #1 = { "irreversible" }

!llvm.module.flags = !{!0, !1, !2, !3}
!0 = !{i32 1, !"qir_major_version", i32 2}
!1 = !{i32 7, !"qir_minor_version", i32 0}
!2 = !{i32 1, !"dynamic_qubit_management", i1 false}
!3 = !{i32 1, !"dynamic_result_management", i1 false}
