; ModuleID = 'teleport'
source_filename = "teleport"

define i64 @teleport() #0 {
entry:
  call void @__quantum__rt__initialize(ptr null)
  br label %body

body:
  call void @__quantum__qis__ry__body(double 0x3FECCCCCCCCCCCCD, ptr null)
  call void @__quantum__qis__h__body(ptr inttoptr (i64 1 to ptr))
  call void @__quantum__qis__cx__body(ptr inttoptr (i64 1 to ptr), ptr inttoptr (i64 2 to ptr))
  call void @__quantum__qis__cx__body(ptr null, ptr inttoptr (i64 1 to ptr))
  call void @__quantum__qis__h__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr writeonly null)
  call void @__quantum__qis__mz__body(ptr inttoptr (i64 1 to ptr), ptr writeonly inttoptr (i64 1 to ptr))
  %0 = call i1 @__quantum__rt__read_result(ptr inttoptr (i64 1 to ptr))
  br i1 %0, label %then0, label %continue0

then0:
  call void @__quantum__qis__x__body(ptr inttoptr (i64 2 to ptr))
  br label %continue0

continue0:
  %1 = call i1 @__quantum__rt__read_result(ptr null)
  br i1 %1, label %then1, label %continue1

then1:
  call void @__quantum__qis__z__body(ptr inttoptr (i64 2 to ptr))
  br label %continue1

continue1:
  call void @__quantum__qis__mz__body(ptr inttoptr (i64 2 to ptr), ptr writeonly inttoptr (i64 2 to ptr))
  br label %output

output:
  call void @__quantum__rt__tuple_record_output(i64 3, ptr @0)
  call void @__quantum__rt__array_record_output(i64 1, ptr @1)
  call void @__quantum__rt__result_record_output(ptr null, ptr @2)
  call void @__quantum__rt__array_record_output(i64 1, ptr @3)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr @4)
  call void @__quantum__rt__array_record_output(i64 1, ptr @5)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 2 to ptr), ptr @6)
  ret i64 0
}

@0 = internal constant [10 x i8] c"registers\00"
@1 = internal constant [3 x i8] c"m0\00"
@2 = internal constant [6 x i8] c"m0[0]\00"
@3 = internal constant [3 x i8] c"m1\00"
@4 = internal constant [6 x i8] c"m1[0]\00"
@5 = internal constant [4 x i8] c"out\00"
@6 = internal constant [7 x i8] c"out[0]\00"

declare void @__quantum__qis__cx__body(ptr, ptr)
declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1
declare void @__quantum__qis__ry__body(double, ptr)
declare void @__quantum__qis__x__body(ptr)
declare void @__quantum__qis__z__body(ptr)
declare void @__quantum__rt__array_record_output(i64, ptr)
declare void @__quantum__rt__initialize(ptr)
declare i1 @__quantum__rt__read_result(ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__tuple_record_output(i64, ptr)

attributes #0 = { "entry_point" "output_labeling_schema"="hpcq_registers_v1" "qir_profiles"="adaptive_profile" "required_num_qubits"="3" "required_num_results"="3" }
attributes #1 = { "irreversible" }

!llvm.module.flags = !{!0, !1, !2, !3}
!0 = !{i32 1, !"qir_major_version", i32 2}
!1 = !{i32 7, !"qir_minor_version", i32 0}
!2 = !{i32 1, !"dynamic_qubit_management", i1 false}
!3 = !{i32 1, !"dynamic_result_management", i1 false}
