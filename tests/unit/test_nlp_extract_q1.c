/*
 * test_nlp_extract_q1.c — the bundled rules (data/rules) for the event
 * types 高管变动, 企业收购, 公司上市, 企业破产, 企业融资, 被约谈 and 中标:
 * the events found or left out in issue 3's round eleven (events of a type
 * the story does not tell, lists told in one sentence).  Every sentence is
 * invented for this test (none comes from DuEE-Fin).
 */
#include "extract_fixture.h"

/* A fund manager's funds described by the change word ("卸任产品规模") are
 * no second change beside the one told with his name. */
static void test_left_funds_are_no_second_change(void **state) {
  nlp_result res;
  fx_run(state, "青禾基金周建明卸任8只产品",
         "青禾财经讯 青禾基金周建明离任多只产品基金经理，卸任产品规模约300"
         "亿元。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "高管姓名", "周建明");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_left_funds_are_no_second_change),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
