/*
 * test_nlp_extract_lead.c — merging mentions of one event told with
 * differently written figures (issue 3, session eight).  Every sentence is
 * invented for this test (none comes from DuEE-Fin).
 */
#include "extract_fixture.h"

/* A reposted headline writing "1050万股" and the body "1,050万股" tell
 * one release: thousands separators do not make a second figure. */
static void test_thousands_separator_is_one_figure(void **state) {
  nlp_result res;
  fx_run(state, "青禾科技：股东林小雨解除质押1050万股",
         "原标题：青禾科技(12.150,0.40,0.73%)股东林小雨解除质押1050万股    "
         "来源：远山网\n"
         "远山网 5月20日，青禾科技于2021年5月18日收到股东林小雨的通知，其在"
         "远山证券股份有限公司办理了股份解除质押的业务。\n"
         "2021年5月17日，林小雨办理了上述股份解除质押的手续，本次解除质押的"
         "股份数量为1,050万股，占公司总股本的2.42%。",
         &res);
  assert_int_equal(fx_count(&res, "解除质押", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_thousands_separator_is_one_figure),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
