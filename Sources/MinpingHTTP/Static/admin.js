// The street office console (/admin): a client of /api/v1 and nothing more. It keeps no
// lifecycle logic of its own: it shows what the API says and offers the buttons that fit the
// state; the API decides. The key lives in sessionStorage (this tab only) and goes out as
// `Authorization: Bearer`; no cookies. Chinese first, English with ?lang=en.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var lang = /^en/i.test(document.documentElement.lang || root.getAttribute("data-lang") || "") ? "en" : "zh";
  var baseURL = (root.getAttribute("data-base") || location.origin).replace(/\/+$/, "");
  var langQuery = lang === "en" ? "?lang=en" : "";
  var KEY = "minping.console.key";

  var TEXT = {
    zh: {
      console: "街道管理台", sign_in_title: "登录街道管理台",
      sign_in_intro: "请输入街道发给您的密钥（管理员、审核员或平台管理员）。密钥只保存在本浏览器标签页里，关闭标签页或点“签退”就会清除。",
      key: "密钥", sign_in: "登录", signing_in: "正在核对……", sign_out: "签退", signed_out: "已签退，密钥已从本标签页清除。",
      key_expired: "密钥已失效，请重新登录。",
      nav: "管理台导航", home: "全部测评", new_evaluation: "新建测评",
      role_admin: "管理员", role_reviewer: "审核员", role_operator: "平台管理员", all_streets: "全部街道",
      signed_in_as: "{role} · {street}",
      list_title: "测评列表", list_title_street: "{street} 街道的测评", loading: "正在载入……", no_evaluations: "还没有测评。点“新建测评”开始。",
      street: "街道", community: "社区", id: "编号", title: "标题",
      counts: "已投票 {ballots} / 已发放 {issued} / 应参评 {electorate}",
      state: "状态",
      state_draft: "草稿", state_open: "投票中", state_closed: "投票已结束", state_preliminary: "初步结果公示中",
      state_final: "最终结果", state_annulled: "已作废",
      next: "下一步：", next_draft: "打印选票后开始投票", next_open: "居民代表正在投票；投票结束后点“结束投票”",
      next_closed: "发布初步结果", next_preliminary: "公示期满、申诉处理完后发布最终结果", next_final: "已完成，无需操作",
      next_annulled: "已作废，无需操作",
      // new evaluation
      new_title: "新建测评", basics: "基本信息",
      id_help: "只能用小写字母、数字和连字符，创建后不能修改。", street_help: "街道的英文代号，如 chengqu。", electorate: "应参评人数", electorate_help: "有权投票的居民代表人数。",
      publicity_days: "公示天数", publicity_help: "初步结果公示的天数；演练时可以填 0。",
      based_on: "以去年为基础", previous: "上一轮测评", previous_none: "（不使用）", previous_none_found: "（本街道还没有可用的测评）",
      previous_help: "复制上一轮的标题、社区、人数、规则和名单，并记下“上一轮”，公示栏会比较增星减星。",
      copy_previous: "复制上一轮", copying: "正在复制……", copied: "已复制“{title}”（{id}）的设置和名单。可以再上传新名单替换名单，“上一轮”仍然保留。",
      rules: "计票规则", preset_rushan: "默认：满意和基本满意计为满意，分母为投票人数，超过门槛得星", preset_rushan_help: "分母为投票人数；“满意”和“基本满意”都算满意；超过 60% 得群众认可星，超过 80% 得群众满意星；党组织超过 70% 得群众满意星。",
      preset_zhenhai: "严格：只计满意，分母为应参评人数，达到门槛得星", preset_zhenhai_help: "分母为应参评人数；只有“满意”算满意；达到 60% 得群众认可星，达到 80% 得群众满意星；党组织达到 70% 得群众满意星。",
      preset_custom: "自定义", preset_custom_help: "自己填写分母、比较方式和三个门槛。",
      preset_previous: "与上一轮相同", preset_previous_help: "沿用上一轮的选项和规则：{summary}",
      custom_rules: "自定义规则", denominator: "分母", den_ballots: "投票人数", den_answers: "作答人数（不含“不了解”）", den_electorate: "应参评人数",
      comparison: "比较方式", cmp_above: "超过（>）", cmp_at_least: "达到（≥）",
      member_recognition: "党员 群众认可星（%）", member_satisfaction: "党员 群众满意星（%）", org_satisfaction: "党组织 群众满意星（%）",
      roster: "党员名单", roster_file: "选择名单文件（Excel .xlsx 或 CSV）",
      roster_help: "第一行是表头：姓名、所属党支部（或 党支部、党组织），可选 编号。选中文件后会先预览，不会马上创建。",
      roster_reading: "正在读取名单……", roster_type: "请选择 .xlsx 或 .csv 文件。旧版 .xls 请先在 Excel 里“另存为” .xlsx。",
      preview: "名单预览", preview_summary: "{orgs} 个党组织，{members} 名党员。", preview_from_file: "来自文件：{name}", preview_from_previous: "复制自上一轮：{id}",
      branches: "党组织", members: "党员", name: "姓名", member_id: "编号", branch: "所属党支部", org_id: "编号", org_name: "党组织名称",
      branches_table: "党组织列表", members_table: "党员列表",
      row_errors: "名单中有 {n} 行有错误", row_error: "第 {row} 行 · {column} · {message}",
      row_errors_help: "这些行不会被创建。请在表格里改正后重新选择文件；或者勾选下面一项，略去这些行继续。",
      skip_errors: "略去有错误的 {n} 行，仍然创建",
      create: "确认创建", creating: "正在创建……", create_need_roster: "请先选择党员名单文件（或用“以去年为基础”复制名单）。",
      create_need_skip: "名单里有错误的行：改正后重新上传，或勾选“略去有错误的行”。",
      created: "测评已创建。下一步：打印选票，然后开始投票。",
      appeal_number: "申诉 {n}",
      match_column: "与上一轮", match_matched: "上一轮的 {name}（{branch}）→ 第 {row} 行", match_new: "新参评",
      match_ambiguous: "上一轮有 {n} 人同名，请选择", match_choose: "请选择……", match_is: "是上一轮的 {name}（{branch}）",
      match_new_person: "新参评（不是上一轮的任何人）", match_taken: "{name} 已对应第 {row} 行",
      match_renamed: "是上一轮的 {name}（{branch}），已改名",
      left_title: "今年不在名单中（{n}）", left_item: "{name}（{branch}）",
      match_help: "已按姓名和所属党支部与上一轮“{id}”对应：同一个人保留原编号，往年星级才能对得上。",
      create_need_match: "有 {n} 行同名，无法确定是上一轮的哪一位：请在“与上一轮”一栏逐行选择。",
      // one evaluation
      eval_meta: "{community}编号 {id} · 街道 {street}", turnout: "投票进度",
      turnout_text: "已投票 {ballots} / 已发放 {issued} / 应参评 {electorate}（投票率 {percent}%）",
      auto_refresh: "投票期间本页每 5 秒自动更新。",
      actions: "下一步", only_admin: "只有管理员可以改变测评的状态。",
      open: "开始投票", open_q: "开始投票后，持选票的居民代表就可以投票。确定开始吗？", opened: "已开始投票。",
      close: "结束投票", close_q: "结束后不能再投票。确定结束投票吗？", closed: "投票已结束。",
      publish_pre: "发布初步结果", publish_pre_q: "发布后结果在公示栏公开，进入公示期。确定发布初步结果吗？", published_pre: "初步结果已发布，公示期开始。",
      republish_pre: "重新发布初步结果", republish_pre_q: "申诉成立后，可以重新计票并发布更正后的初步结果。确定重新发布吗？", republished_pre: "更正后的初步结果已发布。",
      publish_final: "发布最终结果", publish_final_q: "发布最终结果后，本次测评结束。确定发布吗？", published_final: "最终结果已发布。",
      annul: "作废", annul_q: "作废后本次测评不再有效，不能恢复。请写明作废原因：", annul_reason: "作废原因", annulled: "本次测评已作废。",
      annul_confirm: "确认作废",
      confirm: "确定", cancel: "取消", working: "正在处理……",
      slips: "打印选票", slips_intro: "每张选票有一个二维码，只能投一次票。选票在新标签页打开，请在那里打印（A4，每页 8 张）。",
      slips_count: "选票张数", slips_left: "还可以发放 {n} 张（应参评 {electorate}，已印选票 {slips}，已生成匿名码 {codes}）。", slips_button: "生成并打印选票",
      codes: "打印匿名码", codes_intro: "给不能到场的居民代表发匿名码，用手机投票。匿名码只显示这一次，服务器不保存原码：生成后请立即打印。",
      codes_count: "匿名码个数", codes_button: "生成匿名码", codes_made: "已生成 {n} 个匿名码。它们只显示这一次，离开或刷新本页后无法再看到，请现在打印。",
      cards: "匿名码卡片", print: "打印", vote_address: "投票网址", code: "匿名码",
      card_instruction: "用手机打开上面的网址，输入匿名码投票。每个码只能用一次。",
      publicity: "公示", publicity_until: "公示期至 {date}", publicity_blocked: "公示期未满（至 {date}）",
      appeals_blocking: "还有 {n} 件申诉未处理", ready_final: "可以发布最终结果",
      appeals: "申诉", no_appeals: "暂无申诉。", appeal_subject: "申诉对象", appeal_whole: "整体／无具体对象", appeal_text: "申诉内容",
      appeal_filed: "提交于 {date}", appeal_outcome: "处理结果", outcome_pending: "未处理", outcome_upheld: "已支持", outcome_rejected: "已驳回",
      appeal_note: "处理说明", file_appeal: "登记申诉", file_button: "提交申诉", appeal_saved: "申诉已登记。",
      resolve: "处理这件申诉", resolve_outcome: "处理结果", resolve_upheld: "支持", resolve_rejected: "驳回", resolve_button: "提交处理结果",
      resolved: "申诉已处理。", only_reviewer: "申诉由审核员处理。",
      downloads: "下载", results_xlsx: "结果表（Excel .xlsx）", results_csv: "结果表（CSV）", board_pdf: "公示栏（打印为 PDF）",
      bundle: "审核材料包", bundle_button: "下载审核材料包", bundle_done: "审核材料包已下载。", downloading: "正在下载……",
      links: "链接", board: "公开的公示栏", definition_yaml: "下载定义（YAML）", back_home: "返回测评列表",
      not_found_eval: "没有找到这项测评。",
      code_help: "每 4 个字符一组，横线不用输入。"
    },
    en: {
      console: "Street console", sign_in_title: "Sign in to the street console",
      sign_in_intro: "Enter the key your street gave you (admin, reviewer or operator). It is kept only in this browser tab and forgotten when you close the tab or sign out.",
      key: "Key", sign_in: "Sign in", signing_in: "Checking…", sign_out: "Sign out", signed_out: "Signed out; the key is gone from this tab.",
      key_expired: "The key is no longer valid; please sign in again.",
      nav: "Console navigation", home: "All evaluations", new_evaluation: "New evaluation",
      role_admin: "Admin", role_reviewer: "Reviewer", role_operator: "Operator", all_streets: "all streets",
      signed_in_as: "{role} · {street}",
      list_title: "Evaluations", list_title_street: "Evaluations of {street}", loading: "Loading…", no_evaluations: "No evaluations yet. Press “New evaluation” to start.",
      street: "Street", community: "Community", id: "Id", title: "Title",
      counts: "Voted {ballots} / issued {issued} / electorate {electorate}",
      state: "State",
      state_draft: "Draft", state_open: "Voting open", state_closed: "Voting closed", state_preliminary: "Preliminary results on display",
      state_final: "Final results", state_annulled: "Annulled",
      next: "Next: ", next_draft: "print slips, then open voting", next_open: "voting is under way; press “Close voting” when it is over",
      next_closed: "publish the preliminary results", next_preliminary: "publish final results once the publicity period is over and appeals are resolved",
      next_final: "done, nothing to do", next_annulled: "annulled, nothing to do",
      new_title: "New evaluation", basics: "Basics",
      id_help: "Lowercase letters, digits and hyphens only; cannot be changed later.", street_help: "The street's slug, e.g. chengqu.", electorate: "Electorate", electorate_help: "The number of representatives entitled to vote.",
      publicity_days: "Publicity days", publicity_help: "Days the preliminary results are on display; 0 for drills.",
      based_on: "Based on last year", previous: "Previous round", previous_none: "(none)", previous_none_found: "(no evaluations on this street yet)",
      previous_help: "Copies last round's title, community, numbers, rules and roster, and records it as the previous round so the board compares stars.",
      copy_previous: "Copy previous round", copying: "Copying…", copied: "Copied the settings and roster of “{title}” ({id}). A new roster file replaces the roster; the previous round stays recorded.",
      rules: "Counting rules", preset_rushan: "Default: satisfied and basically satisfied count, denominator ballots cast, above the threshold", preset_rushan_help: "Denominator: ballots cast; satisfied and basically satisfied both count; above 60% earns the recognition star, above 80% the satisfaction star; organizations above 70%.",
      preset_zhenhai: "Strict: only satisfied counts, denominator the electorate, at least the threshold", preset_zhenhai_help: "Denominator: electorate; only “satisfied” counts; at least 60% earns the recognition star, at least 80% the satisfaction star; organizations at least 70%.",
      preset_custom: "Custom", preset_custom_help: "Choose the denominator, the comparison and the three thresholds yourself.",
      preset_previous: "Same as the previous round", preset_previous_help: "Keeps the previous round's options and rules: {summary}",
      custom_rules: "Custom rules", denominator: "Denominator", den_ballots: "ballots cast", den_answers: "answers (without “don't know”)", den_electorate: "electorate",
      comparison: "Comparison", cmp_above: "above (>)", cmp_at_least: "at least (≥)",
      member_recognition: "Members, recognition star (%)", member_satisfaction: "Members, satisfaction star (%)", org_satisfaction: "Organizations, satisfaction star (%)",
      roster: "Member roster", roster_file: "Choose the roster file (Excel .xlsx or CSV)",
      roster_help: "Row 1 holds the headers: name (姓名), branch (所属党支部 / 党支部 / 党组织), optionally id (编号). The file is previewed first; nothing is created yet.",
      roster_reading: "Reading the roster…", roster_type: "Choose an .xlsx or .csv file. Save old .xls files as .xlsx in Excel first.",
      preview: "Roster preview", preview_summary: "{orgs} organizations, {members} members.", preview_from_file: "From file: {name}", preview_from_previous: "Copied from the previous round: {id}",
      branches: "Organizations", members: "Members", name: "Name", member_id: "Id", branch: "Branch", org_id: "Id", org_name: "Organization",
      branches_table: "Organizations", members_table: "Members",
      row_errors: "{n} rows of the roster have errors", row_error: "Row {row} · {column} · {message}",
      row_errors_help: "These rows will not be created. Fix them in the spreadsheet and choose the file again, or tick the box below to leave them out.",
      skip_errors: "Leave out the {n} rows with errors and create anyway",
      create: "Create", creating: "Creating…", create_need_roster: "Choose a roster file first (or copy the previous round's).",
      create_need_skip: "The roster has rows with errors: fix and upload again, or tick “leave out”.",
      created: "The evaluation was created. Next: print slips, then open voting.",
      appeal_number: "Appeal {n}",
      match_column: "Previous round", match_matched: "last round's {name} ({branch}) → row {row}", match_new: "New this round",
      match_ambiguous: "{n} people of this name last round: choose", match_choose: "Choose…", match_is: "is last round's {name} ({branch})",
      match_new_person: "New this round (none of last round's)", match_taken: "{name} is already row {row}",
      match_renamed: "is last round's {name} ({branch}), renamed",
      left_title: "Not in this year's roster ({n})", left_item: "{name} ({branch})",
      match_help: "Matched with the previous round “{id}” by name and branch: the same person keeps their id, so stars over the years line up.",
      create_need_match: "{n} rows share a name with several people of last round: choose who each is in the “Previous round” column.",
      eval_meta: "{community}id {id} · street {street}", turnout: "Turnout",
      turnout_text: "Voted {ballots} / issued {issued} / electorate {electorate} (turnout {percent}%)",
      auto_refresh: "While voting is open this page updates itself every 5 seconds.",
      actions: "Next step", only_admin: "Only an admin can change the evaluation's state.",
      open: "Open voting", open_q: "Once voting is open, representatives with slips can vote. Open voting?", opened: "Voting is open.",
      close: "Close voting", close_q: "No one can vote after closing. Close voting?", closed: "Voting is closed.",
      publish_pre: "Publish preliminary results", publish_pre_q: "The results go on the public board and the publicity period starts. Publish?", published_pre: "Preliminary results published; the publicity period has started.",
      republish_pre: "Publish preliminary results again", republish_pre_q: "After an upheld appeal the results can be recounted and published again, corrected. Publish again?", republished_pre: "Corrected preliminary results published.",
      publish_final: "Publish final results", publish_final_q: "This ends the evaluation. Publish the final results?", published_final: "Final results published.",
      annul: "Annul", annul_q: "An annulled evaluation is void for good. Give the reason:", annul_reason: "Reason for annulment", annulled: "The evaluation is annulled.",
      annul_confirm: "Annul for good",
      confirm: "Yes", cancel: "Cancel", working: "Working…",
      slips: "Print slips", slips_intro: "Each slip carries a QR code good for one vote. The slips open in a new tab; print them there (A4, 8 a page).",
      slips_count: "Number of slips", slips_left: "{n} more can be issued (electorate {electorate}; slips printed {slips}, codes made {codes}).", slips_button: "Make and print slips",
      codes: "Print enrollment codes", codes_intro: "Codes let representatives who cannot come vote on their phones. Codes are shown only once and the server keeps no copy: print them right away.",
      codes_count: "Number of codes", codes_button: "Make codes", codes_made: "{n} codes made. They are shown only this once and are gone when you leave or reload this page: print them now.",
      cards: "Enrollment code cards", print: "Print", vote_address: "Voting address", code: "Code",
      card_instruction: "Open the address above on your phone and enter the code to vote. Each code works once.",
      publicity: "Publicity", publicity_until: "Publicity period until {date}", publicity_blocked: "The publicity period is not over (until {date})",
      appeals_blocking: "{n} appeals are not resolved yet", ready_final: "Final results can be published",
      appeals: "Appeals", no_appeals: "No appeals.", appeal_subject: "Appeal about", appeal_whole: "The whole evaluation / no one in particular", appeal_text: "Appeal text",
      appeal_filed: "Filed {date}", appeal_outcome: "Outcome", outcome_pending: "Pending", outcome_upheld: "Upheld", outcome_rejected: "Rejected",
      appeal_note: "Note", file_appeal: "File an appeal", file_button: "File the appeal", appeal_saved: "The appeal is filed.",
      resolve: "Resolve this appeal", resolve_outcome: "Outcome", resolve_upheld: "Uphold", resolve_rejected: "Reject", resolve_button: "Record the outcome",
      resolved: "The appeal is resolved.", only_reviewer: "Appeals are resolved by the reviewer.",
      downloads: "Downloads", results_xlsx: "Results table (Excel .xlsx)", results_csv: "Results table (CSV)", board_pdf: "Public board (print as PDF)",
      bundle: "Review bundle", bundle_button: "Download the review bundle", bundle_done: "The review bundle was downloaded.", downloading: "Downloading…",
      links: "Links", board: "Public board", definition_yaml: "Download the definition (YAML)", back_home: "Back to the list",
      not_found_eval: "No such evaluation.",
      code_help: "Groups of 4 characters; the hyphens need not be typed."
    }
  };
  var ERRORS = {
    zh: {
      unauthenticated: "密钥不正确或已失效。", forbidden: "这个密钥不能做这件事（或属于其他街道）。", not_found: "没有找到。",
      definition_invalid: "测评设置有误：", evaluation_exists: "编号已被使用，请换一个。", electorate_exceeded: "发放数量超过应参评人数。",
      invalid_transition: "当前状态下不能这样做。", publicity_not_over: "公示期还没有结束。", appeals_pending: "还有申诉没有处理完。",
      already_resolved: "这件申诉已经处理过。", results_not_published: "结果尚未公布。", roster_invalid: "名单文件无法读取：",
      payload_too_large: "文件太大（最大 5 MB）。", busy: "系统正忙，请稍候再试。", ballots_pending: "系统正忙，请稍候再试。",
      malformed_request: "请求有误：", integrity_error: "数据校验失败，请联系管理员。", network: "网络连接失败，请检查后重试。",
      method_not_allowed: "服务器不支持这项操作。", appeal_invalid: "申诉内容不能为空、不能太长，申诉对象须属于本次测评。", appeal_exists: "这件申诉已经登记过。", evaluation_not_open: "现在不在投票时间内。", token_spent: "这张选票已经使用过了。",
      other: "操作没有成功（{status}）。"
    },
    en: {
      unauthenticated: "The key is wrong or no longer valid.", forbidden: "This key may not do that (or belongs to another street).", not_found: "Not found.",
      definition_invalid: "The evaluation settings are not valid: ", evaluation_exists: "This id is taken; choose another.", electorate_exceeded: "That is more than the electorate allows.",
      invalid_transition: "This cannot be done in the current state.", publicity_not_over: "The publicity period is not over yet.", appeals_pending: "Some appeals are not resolved yet.",
      already_resolved: "This appeal was already resolved.", results_not_published: "The results are not published yet.", roster_invalid: "The roster file cannot be read: ",
      payload_too_large: "The file is too large (5 MB at most).", busy: "The system is busy; please try again shortly.", ballots_pending: "The system is busy; please try again shortly.",
      malformed_request: "The request is not valid: ", integrity_error: "Stored data failed a check; please contact the administrator.", network: "Network failure; check the connection and try again.",
      method_not_allowed: "The server does not support this.", appeal_invalid: "The appeal text must not be blank or too long, and its subject must belong to this evaluation.", appeal_exists: "This appeal was already filed.", evaluation_not_open: "Voting is not open now.", token_spent: "This slip was already used.",
      other: "That did not work ({status})."
    }
  };
  var L = TEXT[lang], E = ERRORS[lang];
  // Punctuation: full-width in Chinese, ASCII in English.
  var P = lang === "en" ? { colon: ": ", open: " (", close: ")", comma: ", ", semi: "; " } : { colon: "：", open: "（", close: "）", comma: "，", semi: "；" };
  var WITH_DETAIL = { definition_invalid: 1, roster_invalid: 1, malformed_request: 1 };
  var STATES = ["draft", "open", "closed", "preliminary", "final", "annulled"];

  function t(key, vars) {
    var s = L[key];
    if (s === undefined) s = key;
    return vars ? s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] === undefined || vars[n] === null ? "" : String(vars[n]); }) : s;
  }
  /** Slips printed and codes made both count against the electorate, codes before they are used. */
  function slipsLeft(x) { return Math.max(0, (x.electorate || 0) - (x.slips || 0) - (x.codes || 0)); }
  function stateName(s) { return STATES.indexOf(s) >= 0 ? L["state_" + s] : s; }

  // ---- DOM helpers ----
  var uid = 0;
  function nextId(prefix) { uid += 1; return (prefix || "c") + "-" + uid; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
      else if (v === true) node.setAttribute(k, "");
      else node.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  /** An empty alert placed right after the control it speaks for. */
  function alertBox() { return el("p", { class: "message error alert", role: "alert" }); }
  function statusBox() { return el("p", { class: "message ok alert", role: "status" }); }
  function say(box, text) { box.textContent = text || ""; }
  function field(labelText, input, help) {
    var id = input.id || (input.id = nextId("f"));
    var parts = [el("label", { for: id, text: labelText })];
    if (help) {
      var hid = id + "-help";
      input.setAttribute("aria-describedby", hid);
      parts.push(input, el("p", { class: "help", id: hid, text: help }));
    } else parts.push(input);
    return el("div", { class: "field" }, parts);
  }
  function section(title, children, attrs) {
    var hid = nextId("h");
    var a = Object.assign({ "aria-labelledby": hid }, attrs || {});
    return el("section", a, [el("h2", { id: hid, text: title })].concat(children));
  }
  function tableWrap(caption, head, rows) {
    var table = el("table", { class: "results" }, [
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, rows.map(function (r) {
        return el("tr", {}, r.map(function (c, i) {
          if (c && c.nodeType) return el("td", {}, [c]);  // a control in the cell (a choice to make)
          return el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: c } : { text: c });
        }));
      }))
    ]);
    return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, [table]);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Times people read are in the street's time zone (the server's --timezone), whatever the
  // browser's own is; the API keeps UTC.
  var timeZone = root.getAttribute("data-timezone") || undefined;
  function formatDate(s) {
    if (!s) return "";
    var d = new Date(s);
    if (isNaN(d.getTime())) return s;
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
    } catch (e) {
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
  }

  // ---- the key and the API ----
  var who = null; // {role, street}
  function getKey() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function setKey(k) { try { if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ } }
  function isAdmin() { return who && (who.role === "admin" || who.role === "operator"); }
  function isReviewer() { return who && (who.role === "reviewer" || who.role === "operator"); }

  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json, application/problem+json" };
    var key = opts.key || getKey();
    if (key) headers.Authorization = "Bearer " + key;
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined && body !== null) {
      if (opts.contentType) { headers["Content-Type"] = opts.contentType; init.body = body; }
      else { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    }
    return fetch("/api/v1" + path, init).then(function (r) {
      if (r.ok && opts.blob) return r.blob().then(function (b) { return { ok: true, status: r.status, blob: b, response: r }; });
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (r.ok) return { ok: true, status: r.status, data: data };
        return { ok: false, status: r.status, code: (data && data.code) || "", detail: (data && data.detail) || "", title: (data && data.title) || "" };
      });
    }, function () { return { ok: false, status: 0, code: "network" }; });
  }
  /** busy / ballots_pending: the server asks for a moment; try once more by itself. */
  function apiRetry(method, path, body, opts) {
    return api(method, path, body, opts).then(function (res) {
      if (!res.ok && (res.code === "busy" || res.code === "ballots_pending")) {
        return new Promise(function (done) { setTimeout(done, 2500); }).then(function () { return api(method, path, body, opts); });
      }
      return res;
    });
  }
  function problemText(res) {
    var msg = E[res.code];
    if (!msg) msg = E.other.replace("{status}", res.status) + (res.title ? " " + res.title : "");
    if (res.detail && (WITH_DETAIL[res.code] || !E[res.code])) msg += res.detail;
    else if (WITH_DETAIL[res.code] && res.title) msg += res.title;
    return msg;
  }

  // ---- pages ----
  var timers = [];
  var flash = null;       // a message to show on the next page
  var createdId = null;   // just created: offer the YAML at the top
  var cards = null;       // {id, title, codes}: enrollment codes, shown once
  var langLink = document.querySelector("header .lang");
  var langHref = langLink ? langLink.getAttribute("href").split("#")[0] : null;

  var onReturn = null;     // refreshes the evaluation page when the clerk comes back to this tab
  function clearTimers() { timers.forEach(function (x) { clearInterval(x); clearTimeout(x); }); timers = []; onReturn = null; }
  window.addEventListener("focus", function () { if (onReturn) onReturn(); });
  function go(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  }
  function page(title, nodes, opts) {
    opts = opts || {};
    root.textContent = "";
    document.body.classList.remove("print-cards");
    if (who && !opts.noNav) root.appendChild(navBar());
    var h1 = el("h1", { tabindex: "-1", text: title });
    root.appendChild(h1);
    nodes.forEach(function (n) { if (n) root.appendChild(n); });
    document.title = title + " · " + t("console");
    if (!opts.keepFocus) h1.focus();
    return h1;
  }
  function navBar() {
    var out = el("button", { type: "button", class: "link-button", text: L.sign_out });
    out.addEventListener("click", signOut);
    return el("nav", { class: "console-nav", "aria-label": L.nav }, [
      el("a", { href: "#/", text: L.home }),
      isAdmin() ? el("a", { href: "#/new", text: L.new_evaluation }) : null,
      el("span", { class: "who", text: t("signed_in_as", { role: L["role_" + who.role] || who.role, street: who.street || L.all_streets }) }),
      out
    ]);
  }
  function signOut() {
    setKey(null);
    who = null;
    cards = null;
    flash = L.signed_out;
    go("#/");
  }

  var gen = 0; // bumped on every page change: late answers for an old page are dropped
  function route() {
    gen += 1;
    clearTimers();
    if (langLink && langHref !== null) langLink.setAttribute("href", langHref + (location.hash || ""));
    if (!getKey() || !who) return signInPage();
    var h = decodeURIComponent(location.hash.replace(/^#/, ""));
    var m = /^\/e\/([a-z0-9-]{1,64})$/.exec(h);
    if (h === "/new") return newPage();
    if (m) return evaluationPage(m[1]);
    return homePage();
  }

  // -- sign in --
  function signInPage(message) {
    var input = el("input", { type: "password", id: "key", name: "key", autocomplete: "current-password", spellcheck: "false", required: true });
    var button = el("button", { type: "submit", class: "primary", text: L.sign_in });
    var alert = alertBox();
    var form = el("form", { class: "stack", id: "sign-in" }, [field(L.key, input), button, alert]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var key = input.value.trim();
      if (!key) { input.focus(); return; }
      button.disabled = true;
      button.textContent = L.signing_in;
      say(alert, "");
      api("GET", "/whoami", null, { key: key }).then(function (res) {
        button.disabled = false;
        button.textContent = L.sign_in;
        if (res.ok && res.data && res.data.role) {
          setKey(key);
          who = res.data;
          route();
        } else {
          say(alert, res.status === 401 || res.status === 403 ? E.unauthenticated : problemText(res));
          input.focus();
          input.select();
        }
      });
    });
    var note = flash || message;
    flash = null;
    page(L.sign_in_title, [
      note ? el("p", { class: "message", role: "status", text: note }) : null,
      el("p", { text: L.sign_in_intro }), form
    ], { noNav: true });
  }

  // -- home --
  function evalCard(e, headingTag) {
    return el("li", { class: "eval-card" }, [
      el(headingTag, {}, [el("a", { href: "#/e/" + e.id, text: e.title })]),
      el("p", { class: "meta", text: (e.community ? e.community + " · " : "") + L.id + " " + e.id }),
      el("p", {}, [el("span", { class: "state state-" + e.state, text: stateName(e.state) }), " ",
        el("span", { class: "counts", text: t("counts", e) })]),
      el("p", { class: "next", text: L.next + (L["next_" + e.state] || "") })
    ]);
  }
  function homePage() {
    var status = el("p", { role: "status", text: L.loading });
    var list = el("div", { class: "eval-list" });
    var title = who.street ? t("list_title_street", { street: who.street }) : L.list_title;
    var note = flash; flash = null;
    page(title, [
      note ? el("p", { class: "message ok", role: "status", text: note }) : null,
      isAdmin() ? el("p", {}, [el("a", { class: "button", href: "#/new", text: L.new_evaluation })]) : null,
      status, list
    ]);
    api("GET", "/evaluations" + (who.street ? "?street=" + encodeURIComponent(who.street) : "")).then(function (res) {
      if (!res.ok) { status.className = "message error"; status.setAttribute("role", "alert"); say(status, problemText(res)); return; }
      var evs = (res.data && res.data.evaluations) || [];
      say(status, evs.length ? "" : L.no_evaluations);
      if (!evs.length) status.className = "message";
      if (who.street) {
        list.appendChild(el("ul", { class: "cards-list" }, evs.map(function (e) { return evalCard(e, "h2"); })));
      } else {
        var streets = [];
        evs.forEach(function (e) { if (streets.indexOf(e.street) < 0) streets.push(e.street); });
        streets.forEach(function (s) {
          list.appendChild(section(L.street + " " + s, [el("ul", { class: "cards-list" },
            evs.filter(function (e) { return e.street === s; }).map(function (e) { return evalCard(e, "h3"); }))]));
        });
      }
    });
  }

  // -- new evaluation --
  var STARS = function (m1, m2, o1) {
    return {
      member_stars: [{ star: "recognition", label: "群众认可星", percent: m1 }, { star: "satisfaction", label: "群众满意星", percent: m2 }],
      organization_stars: [{ star: "satisfaction", label: "群众满意星", percent: o1 }]
    };
  };
  var ZHENHAI_OPTIONS = [
    { id: "satisfied", label: "满意", satisfied: true },
    { id: "basically_satisfied", label: "基本满意" },
    { id: "dissatisfied", label: "不满意" },
    { id: "unknown", label: "不了解", abstain: true }
  ];
  function randomSuffix() {
    var chars = "abcdefghijklmnopqrstuvwxyz0123456789", out = "", bytes = new Uint8Array(4);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < 4; i++) out += chars[bytes[i] % chars.length];
    return out;
  }
  function rulesSummary(rules, options) {
    if (!rules) return "";
    var den = { ballots: L.den_ballots, answers: L.den_answers, electorate: L.den_electorate }[rules.denominator] || rules.denominator;
    var cmp = { above: L.cmp_above, at_least: L.cmp_at_least }[rules.comparison] || rules.comparison;
    var stars = function (list) { return (list || []).map(function (s) { return s.label + " " + s.percent + "%"; }).join(P.comma); };
    var sat = (options || []).filter(function (o) { return o.satisfied; }).map(function (o) { return o.label; }).join("、");
    return [L.denominator + P.colon + den, L.comparison + P.colon + cmp, L.members + P.colon + stars(rules.member_stars),
      L.branches + P.colon + stars(rules.organization_stars), sat ? "✓ " + sat : ""].filter(Boolean).join(P.semi);
  }

  function newPage() {
    if (!isAdmin()) { flash = null; return homePage(); }
    var year = new Date().getFullYear();
    var streetEvs = [];
    var roster = null;          // {organizations, members, errors}
    var rosterSource = "";
    var previous = null;        // {id, options, rules}
    var idTouched = false;

    var streetInput = who.street ? null : el("input", { type: "text", id: "street", name: "street", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off", spellcheck: "false" });
    function street() { return who.street || (streetInput && streetInput.value.trim()) || ""; }
    var idInput = el("input", { type: "text", id: "eval-id", name: "id", required: true, pattern: "[a-z0-9-]{1,64}", maxlength: "64", autocomplete: "off", spellcheck: "false" });
    function suggestId() { if (!idTouched) idInput.value = (street() || "street") + "-" + year + "-" + randomSuffix(); }
    suggestId();
    idInput.addEventListener("input", function () { idTouched = true; });
    var titleInput = el("input", { type: "text", id: "eval-title", name: "title", required: true, maxlength: "300", autocomplete: "off" });
    var communityInput = el("input", { type: "text", id: "eval-community", name: "community", maxlength: "200", autocomplete: "off" });
    var electorateInput = el("input", { type: "number", id: "eval-electorate", name: "electorate", required: true, min: "1", max: "1000000", step: "1", inputmode: "numeric" });
    var publicityInput = el("input", { type: "number", id: "eval-publicity", name: "publicity_days", required: true, min: "0", max: "365", step: "1", value: "5", inputmode: "numeric" });

    // 以去年为基础
    var prevSelect = el("select", { id: "previous", name: "previous" });
    var copyButton = el("button", { type: "button", id: "copy-previous", text: L.copy_previous });
    var copyAlert = alertBox(), copyStatus = statusBox();
    function fillPrevious() {
      var community = communityInput.value.trim();
      var list = streetEvs.filter(function (e) { return !community || e.community === community; });
      if (community && !list.length) list = streetEvs;
      var keep = prevSelect.value;
      prevSelect.textContent = "";
      prevSelect.appendChild(el("option", { value: "", text: streetEvs.length ? L.previous_none : L.previous_none_found }));
      list.forEach(function (e) {
        prevSelect.appendChild(el("option", { value: e.id, text: e.title + P.open + e.id + (e.community ? " · " + e.community : "") + P.close }));
      });
      if (keep && list.some(function (e) { return e.id === keep; })) prevSelect.value = keep;
      copyButton.disabled = !prevSelect.value;
    }
    prevSelect.addEventListener("change", function () { copyButton.disabled = !prevSelect.value; });
    communityInput.addEventListener("input", fillPrevious);
    function loadStreet() {
      streetEvs = [];
      fillPrevious();
      if (!street()) return;
      api("GET", "/evaluations?street=" + encodeURIComponent(street())).then(function (res) {
        if (res.ok && res.data) streetEvs = (res.data.evaluations || []).filter(function (e) { return e.street === street(); });
        fillPrevious();
      });
    }
    if (streetInput) streetInput.addEventListener("change", function () { suggestId(); loadStreet(); });

    copyButton.addEventListener("click", function () {
      var prev = prevSelect.value;
      if (!prev) return;
      copyButton.disabled = true; copyButton.textContent = L.copying;
      say(copyAlert, ""); say(copyStatus, "");
      api("GET", "/evaluations/" + encodeURIComponent(prev) + "/definition").then(function (res) {
        copyButton.disabled = false; copyButton.textContent = L.copy_previous;
        if (!res.ok || !res.data) { say(copyAlert, problemText(res)); return; }
        var d = res.data;
        titleInput.value = String(d.title || "").replace(/(19|20)\d{2}/, function (y) { return String(Number(y) + 1); });
        communityInput.value = d.community || "";
        if (d.electorate) electorateInput.value = d.electorate;
        if (d.publicity_days !== undefined && d.publicity_days !== null) publicityInput.value = d.publicity_days;
        previous = { id: d.id || prev, options: d.options, rules: d.rules };
        roster = { organizations: d.organizations || [], members: d.members || [], errors: [] };
        rosterSource = t("preview_from_previous", { id: previous.id });
        fillPrevious();
        prevSelect.value = previous.id;
        renderPresets("previous");
        renderPreview();
        say(copyStatus, t("copied", { title: d.title, id: previous.id }));
      });
    });

    // counting rules
    var presetBox = el("div", { class: "presets" });
    var customBox = el("fieldset", { class: "custom-rules", id: "custom-rules" });
    var denSelect = el("select", { id: "rule-denominator" }, [
      el("option", { value: "ballots", text: L.den_ballots }), el("option", { value: "answers", text: L.den_answers }),
      el("option", { value: "electorate", text: L.den_electorate })]);
    var cmpSelect = el("select", { id: "rule-comparison" }, [
      el("option", { value: "above", text: L.cmp_above }), el("option", { value: "at_least", text: L.cmp_at_least })]);
    function pct(id, v) { return el("input", { type: "number", id: id, min: "0", max: "100", step: "0.01", value: String(v), required: true, inputmode: "decimal" }); }
    var m1 = pct("rule-m1", 60), m2 = pct("rule-m2", 80), o1 = pct("rule-o1", 70);
    customBox.appendChild(el("legend", { text: L.custom_rules }));
    [field(L.denominator, denSelect), field(L.comparison, cmpSelect), field(L.member_recognition, m1),
      field(L.member_satisfaction, m2), field(L.org_satisfaction, o1)].forEach(function (n) { customBox.appendChild(n); });
    function presetChoice() { var c = presetBox.querySelector("input:checked"); return c ? c.value : "rushan"; }
    function renderPresets(checked) {
      checked = checked || presetChoice();
      presetBox.textContent = "";
      var presets = ["rushan", "zhenhai", "custom"];
      if (previous) presets.push("previous");
      presets.forEach(function (p) {
        var id = "preset-" + p, hid = id + "-help";
        var input = el("input", { type: "radio", name: "preset", id: id, value: p, "aria-describedby": hid });
        if (p === checked) input.checked = true;
        input.addEventListener("change", function () { customBox.hidden = presetChoice() !== "custom"; });
        var help = p === "previous" ? t("preset_previous_help", { summary: rulesSummary(previous.rules, previous.options) }) : L["preset_" + p + "_help"];
        presetBox.appendChild(el("div", { class: "choice" }, [input, el("label", { for: id, text: p === "previous" ? L.preset_previous + P.open + previous.id + P.close : L["preset_" + p] }),
          el("p", { class: "help", id: hid, text: help })]));
      });
      customBox.hidden = checked !== "custom";
    }
    renderPresets("rushan");

    // roster
    var fileInput = el("input", { type: "file", id: "roster-file", name: "roster", accept: ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" });
    var rosterAlert = alertBox();
    rosterAlert.id = "roster-alert";
    var rosterStatus = el("p", { role: "status", class: "help" });
    var preview = el("div", { id: "preview" });
    var skipBox = el("div", { class: "choice skip", hidden: true });
    var skipInput = el("input", { type: "checkbox", id: "skip-errors" });
    var skipLabel = el("label", { for: "skip-errors" });
    skipBox.appendChild(skipInput); skipBox.appendChild(skipLabel);
    skipInput.addEventListener("change", updateCreate);

    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      say(rosterAlert, "");
      if (!file) return;
      var name = file.name.toLowerCase();
      var type = /\.xlsx$/.test(name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        : /\.csv$/.test(name) ? "text/csv"
        : file.type === "text/csv" ? "text/csv" : null;
      if (!type) { say(rosterAlert, L.roster_type); roster = null; renderPreview(); return; }
      say(rosterStatus, L.roster_reading);
      file.arrayBuffer().then(function (bytes) {
        // With a previous round, its people keep their ids (SPEC §1): the server matches them.
        var query = previous ? "?previous=" + encodeURIComponent(previous.id) : "";
        return api("POST", "/rosters" + query, bytes, { contentType: type });
      }).then(function (res) {
        say(rosterStatus, "");
        // A refused file leaves no roster behind: what is previewed is what gets created.
        if (!res.ok || !res.data) { say(rosterAlert, problemText(res)); roster = null; renderPreview(); return; }
        roster = { organizations: res.data.organizations || [], members: res.data.members || [], errors: res.data.errors || [],
          previous: res.data.previous || null, left: res.data.left || [] };
        rosterSource = t("preview_from_file", { name: file.name });
        skipInput.checked = false;
        renderPreview();
      }, function () { say(rosterStatus, ""); say(rosterAlert, E.network); roster = null; renderPreview(); });
    });

    function renderPreview() {
      preview.textContent = "";
      if (!roster) { skipBox.hidden = true; skipInput.checked = false; updateCreate(); return; }
      var orgName = Object.create(null);
      roster.organizations.forEach(function (o) { orgName[o.id] = o.name; });
      var nodes = [el("h3", { text: L.preview }),
        el("p", { id: "preview-summary", text: rosterSource + " · " + t("preview_summary", { orgs: roster.organizations.length, members: roster.members.length }) })];
      if (roster.errors.length) {
        nodes.push(el("div", { class: "message error row-errors", role: "alert", id: "row-errors" }, [
          el("h4", { text: t("row_errors", { n: roster.errors.length }) }),
          el("ul", {}, roster.errors.map(function (x) { return el("li", { text: t("row_error", x) }); })),
          el("p", { text: L.row_errors_help })]));
      }
      nodes.push(el("h4", { text: L.branches + P.open + roster.organizations.length + P.close }),
        tableWrap(L.branches_table, [L.org_name, L.org_id], roster.organizations.map(function (o) { return [o.name, o.id]; })),
        el("h4", { text: L.members + P.open + roster.members.length + P.close }),
        roster.previous
          ? tableWrap(L.members_table, [L.name, L.member_id, L.branch, L.match_column], roster.members.map(function (m, i) {
              return [m.name, m.id, orgName[m.organization] || m.organization || "", matchCell(m, i)];
            }))
          : tableWrap(L.members_table, [L.name, L.member_id, L.branch], roster.members.map(function (m) { return [m.name, m.id, orgName[m.organization] || m.organization || ""]; })));
      if (roster.previous) {
        nodes.splice(2, 0, el("p", { class: "help", id: "match-help", text: t("match_help", { id: roster.previous }) }));
        if (roster.left.length) {
          nodes.push(el("h4", { text: t("left_title", { n: roster.left.length }) }),
            el("ul", { id: "left-list" }, roster.left.map(function (s) { return el("li", { text: t("left_item", { name: s.name, branch: s.organization || L.members }) }); })));
        }
      }
      nodes.forEach(function (n) { preview.appendChild(n); });
      skipLabel.textContent = t("skip_errors", { n: roster.errors.length });
      skipBox.hidden = !roster.errors.length;
      updateCreate();
    }

    // 与上一轮: who each row is. An ambiguous row is settled by the clerk: one of the
    // candidates (their old id) or a new person (the fresh id the server gave the row).
    function matchCell(m, index) {
      if (m.match === "matched" && m.previous) {
        return t("match_matched", { name: m.previous.name, branch: m.previous.organization || "", row: m.row });
      }
      if (m.match !== "ambiguous") return renameCell(m, index);
      if (m.freshId === undefined) m.freshId = m.id;
      var select = el("select", { id: "match-" + index, "aria-label": m.name + " · " + t("match_ambiguous", { n: m.candidates.length }) });
      select.appendChild(el("option", { value: "", text: L.match_choose }));
      m.candidates.forEach(function (c) {
        select.appendChild(el("option", { value: c.id, text: t("match_is", { name: c.name, branch: c.organization || "" }) }));
      });
      select.appendChild(el("option", { value: "new", text: L.match_new_person }));
      select.value = m.settled || "";
      var problem = el("span", { class: "field-error", role: "alert" });
      select.addEventListener("change", function () {
        var choice = select.value;
        var other = choice && choice !== "new" && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
        if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.settled || ""; return; }
        problem.textContent = "";
        m.settled = choice;
        m.id = choice === "new" || !choice ? m.freshId : choice;
        renderPreview();
        var again = document.getElementById("match-" + index);
        if (again) again.focus();
      });
      return el("div", { class: "stack" }, [el("span", { text: t("match_ambiguous", { n: m.candidates.length }) }), select, problem]);
    }
    // A new row may be someone of last year under a new name (a real change of name, SPEC §2):
    // the clerk can say so, and the member keeps the old id with renamed_from.
    function renameCell(m, index) {
      var gone = roster.left.filter(function (s) { return s.kind === "member"; });
      if (!gone.length) return L.match_new;
      if (m.freshId === undefined) m.freshId = m.id;
      var select = el("select", { id: "rename-" + index, "aria-label": m.name + " · " + L.match_column });
      select.appendChild(el("option", { value: "", text: L.match_new }));
      gone.forEach(function (s) {
        select.appendChild(el("option", { value: s.id, text: t("match_renamed", { name: s.name, branch: s.organization || "" }) }));
      });
      select.value = m.renamedFromId || "";
      var problem = el("span", { class: "field-error", role: "alert" });
      select.addEventListener("change", function () {
        var choice = select.value;
        var other = choice && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
        if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.renamedFromId || ""; return; }
        var person = gone.filter(function (s) { return s.id === choice; })[0];
        m.renamedFromId = choice;
        m.id = person ? person.id : m.freshId;
        m.renamed_from = person ? person.name : undefined;
        renderPreview();
        var again = document.getElementById("rename-" + index);
        if (again) again.focus();
      });
      return el("div", { class: "stack" }, [select, problem]);
    }
    function unsettled() {
      return roster ? roster.members.filter(function (m) { return m.match === "ambiguous" && !m.settled; }).length : 0;
    }

    var createButton = el("button", { type: "submit", class: "primary", id: "create", "aria-describedby": "create-why", text: L.create });
    var createWhy = el("p", { id: "create-why", class: "help" });
    var createAlert = alertBox();
    createAlert.id = "create-alert";
    function updateCreate() {
      var subjects = roster ? roster.organizations.length + roster.members.length : 0;
      var why = !subjects ? L.create_need_roster : roster.errors.length && !skipInput.checked ? L.create_need_skip
        : unsettled() ? t("create_need_match", { n: unsettled() }) : "";
      createButton.disabled = !!why;
      createWhy.textContent = why;
    }

    var form = el("form", { id: "new-evaluation", class: "console-form" }, [
      section(L.basics, [
        streetInput ? field(L.street, streetInput, L.street_help) : null,
        field(L.id, idInput, L.id_help),
        field(L.title, titleInput),
        field(L.community, communityInput),
        el("div", { class: "row2" }, [field(L.electorate, electorateInput, L.electorate_help), field(L.publicity_days, publicityInput, L.publicity_help)])
      ]),
      section(L.based_on, [el("p", { class: "help", text: L.previous_help }),
        el("div", { class: "inline" }, [field(L.previous, prevSelect), copyButton]), copyAlert, copyStatus]),
      section(L.rules, [el("fieldset", { class: "presets-set" }, [el("legend", { class: "visually-hidden", text: L.rules }), presetBox]), customBox]),
      section(L.roster, [field(L.roster_file, fileInput, L.roster_help), rosterAlert, rosterStatus, preview]),
      el("div", { class: "stack" }, [skipBox, createWhy, createButton, createAlert])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (createButton.disabled) return;
      var def = {
        id: idInput.value.trim(), title: titleInput.value.trim(), street: street(),
        electorate: parseInt(electorateInput.value, 10), publicity_days: parseInt(publicityInput.value, 10)
      };
      if (communityInput.value.trim()) def.community = communityInput.value.trim();
      if (previous) def.previous = previous.id;
      var p = presetChoice();
      if (p === "rushan") def.rules = Object.assign({ denominator: "ballots", comparison: "above" }, STARS(60, 80, 70));
      else if (p === "zhenhai") { def.options = ZHENHAI_OPTIONS; def.rules = Object.assign({ denominator: "electorate", comparison: "at_least" }, STARS(60, 80, 70)); }
      else if (p === "custom") def.rules = Object.assign({ denominator: denSelect.value, comparison: cmpSelect.value }, STARS(Number(m1.value), Number(m2.value), Number(o1.value)));
      else if (p === "previous" && previous) { if (previous.options) def.options = previous.options; if (previous.rules) def.rules = previous.rules; }
      // Only the definition's fields: the preview's row, match and candidates stay here.
      def.organizations = roster.organizations.map(function (o) { return { id: o.id, name: o.name }; });
      def.members = roster.members.map(function (m) {
        var member = { id: m.id, name: m.name };
        if (m.organization) member.organization = m.organization;
        if (m.renamed_from) member.renamed_from = m.renamed_from;
        return member;
      });
      createButton.disabled = true; createButton.textContent = L.creating;
      say(createAlert, "");
      api("POST", "/evaluations", def).then(function (res) {
        createButton.textContent = L.create;
        updateCreate();
        if (!res.ok) {
          say(createAlert, problemText(res));
          if (res.code === "evaluation_exists") { idInput.focus(); }
          return;
        }
        createdId = (res.data && res.data.id) || def.id;
        flash = L.created;
        go("#/e/" + createdId);
      });
    });
    page(L.new_title, [form]);
    loadStreet();
    updateCreate();
  }

  // -- one evaluation --
  function evaluationPage(id) {
    var path = "/evaluations/" + encodeURIComponent(id);
    var status = el("p", { role: "status", text: L.loading });
    var note = flash; flash = null;
    page(id, [status]);
    var myGen = gen;
    api("GET", path).then(function (res) {
      if (myGen !== gen) return;
      if (!res.ok) {
        status.className = "message error"; status.setAttribute("role", "alert");
        say(status, res.code === "not_found" ? L.not_found_eval : problemText(res));
        root.appendChild(el("p", {}, [el("a", { href: "#/", text: L.back_home })]));
        return;
      }
      renderEvaluation(res.data, note, false);
    });
  }

  function renderEvaluation(info, note, keepFocus) {
    clearTimers();
    var id = info.id, path = "/evaluations/" + encodeURIComponent(id);
    var state = info.state;
    var myGen = gen;
    function reload(message) {
      api("GET", path).then(function (res) {
        if (myGen === gen && res.ok) renderEvaluation(res.data, message, true);
      });
    }

    // status and turnout
    var turnoutText = el("p", { id: "turnout", class: "turnout-text", "aria-live": "polite" });
    var bar = el("progress", { id: "turnout-bar", max: String(info.electorate || 1), value: "0", "aria-label": L.turnout });
    var stateBadge = el("span", { class: "state state-" + state, id: "state", text: stateName(state) });
    var leftNode = null, countInputs = [];
    function showTurnout(x) {
      var left = slipsLeft(x);
      if (leftNode) leftNode.textContent = t("slips_left", { n: left, electorate: x.electorate, slips: x.slips || 0, codes: x.codes || 0 });
      countInputs.forEach(function (input) { input.setAttribute("max", String(Math.max(1, Math.min(500, left)))); });
      var percent = x.electorate ? Math.round(x.ballots * 1000 / x.electorate) / 10 : 0;
      var text = t("turnout_text", { ballots: x.ballots, issued: x.issued, electorate: x.electorate, percent: percent });
      if (turnoutText.textContent !== text) turnoutText.textContent = text;
      bar.setAttribute("max", String(x.electorate || 1));
      bar.setAttribute("value", String(x.ballots || 0));
      bar.setAttribute("aria-valuetext", text);
    }
    showTurnout(info);
    var flashNode = note ? el("p", { class: "message ok", role: "status", tabindex: "-1", id: "flash", text: note }) : null;
    var nodes = [
      el("p", { class: "sub", text: t("eval_meta", { community: info.community ? info.community + " · " : "", id: id, street: info.street }) }),
      flashNode,
      createdId === id && note === L.created ? el("p", { class: "message" }, [el("a", { href: "/api/v1" + path + "/definition.yaml", download: id + ".yaml", text: L.definition_yaml })]) : null,
      el("div", { class: "status-box" }, [
        el("p", {}, [L.state + P.colon, stateBadge, " ", el("span", { class: "next", text: L.next + (L["next_" + state] || "") })]),
        turnoutText, bar,
        state === "open" ? el("p", { class: "help", text: L.auto_refresh }) : null
      ])
    ];

    // next step
    var steps = [];
    if (isAdmin()) {
      if (state === "draft") steps.push(actionControl(L.open, L.open_q, function () { return apiRetry("POST", path + "/open", {}); }, L.opened));
      if (state === "open") steps.push(actionControl(L.close, L.close_q, function () { return apiRetry("POST", path + "/close", {}); }, L.closed));
      if (state === "closed") steps.push(actionControl(L.publish_pre, L.publish_pre_q, function () { return apiRetry("POST", path + "/publish", { stage: "preliminary" }); }, L.published_pre));
      if (state === "preliminary") steps.push(actionControl(L.publish_final, L.publish_final_q, function () { return apiRetry("POST", path + "/publish", { stage: "final" }); }, L.published_final));
      if (state !== "final" && state !== "annulled") steps.push(actionControl(L.annul, L.annul_q, function (reason) { return apiRetry("POST", path + "/annul", { reason: reason }); }, L.annulled, true));
    } else if (state !== "final" && state !== "annulled") steps.push(el("p", { class: "help", text: L.only_admin }));
    var actionsSection = steps.length ? section(L.actions, steps, { id: "actions" }) : null;
    if (actionsSection) nodes.push(actionsSection);

    function actionControl(label, question, run, done, withReason) {
      var box = el("div", { class: "action" });
      var button = el("button", { type: "button", class: withReason ? "danger" : "", "data-action": label, text: label });
      var confirmBox = el("div", { class: "confirm", hidden: true, role: "group", "aria-label": label });
      var reason = withReason ? el("textarea", { id: nextId("reason"), rows: "3", maxlength: "1000", required: true }) : null;
      var yes = el("button", { type: "button", class: "primary confirm-yes", text: withReason ? L.annul_confirm : L.confirm + P.comma + label });
      var no = el("button", { type: "button", class: "confirm-no", text: L.cancel });
      var alert = alertBox();
      confirmBox.appendChild(el("p", { class: "question", text: question }));
      if (reason) confirmBox.appendChild(field(L.annul_reason, reason));
      confirmBox.appendChild(el("div", { class: "inline" }, [yes, no]));
      button.addEventListener("click", function () {
        button.hidden = true; confirmBox.hidden = false; say(alert, "");
        (reason || yes).focus();
      });
      no.addEventListener("click", function () { confirmBox.hidden = true; button.hidden = false; say(alert, ""); button.focus(); });
      yes.addEventListener("click", function () {
        if (reason && !reason.value.trim()) { reason.focus(); say(alert, L.annul_reason + "？"); return; }
        yes.disabled = true; no.disabled = true; yes.textContent = L.working;
        run(reason ? reason.value.trim() : undefined).then(function (res) {
          if (res.ok) { reload(done); return; }
          yes.disabled = false; no.disabled = false; yes.textContent = withReason ? L.annul_confirm : L.confirm + P.comma + label;
          say(alert, problemText(res));
        });
      });
      box.appendChild(button); box.appendChild(confirmBox); box.appendChild(alert);
      return box;
    }

    // print slips and enrollment codes
    var remaining = slipsLeft(info);
    if (isAdmin() && (state === "draft" || state === "open")) {
      var slipsCount = el("input", { type: "number", id: "slips-count", name: "count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
      var keyField = el("input", { type: "hidden", name: "key", value: "" });
      var slipsButton = el("button", { type: "submit", id: "slips-button", text: L.slips_button });
      var leftId = nextId("left");
      slipsCount.setAttribute("aria-describedby", leftId);
      var slipsForm = el("form", { method: "post", action: "/admin/slips/" + encodeURIComponent(id) + langQuery, target: "_blank", id: "slips-form", class: "inline-form" },
        [keyField, field(L.slips_count, slipsCount), slipsButton]);
      slipsForm.addEventListener("submit", function () {
        keyField.value = getKey() || "";
        // The key goes with this one post only; the new tab answers with the printable page.
        setTimeout(function () { keyField.value = ""; }, 0);
        timers.push(setTimeout(function () { refreshCounts(); }, 2500));
      });
      nodes.push(section(L.slips, [el("p", { text: L.slips_intro }),
        leftNode = el("p", { class: "help", id: leftId, text: t("slips_left", { n: remaining, electorate: info.electorate, slips: info.slips || 0, codes: info.codes || 0 }) }), slipsForm, alertBox()], { id: "slips" }));

      var codesCount = el("input", { type: "number", id: "codes-count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
      countInputs = [slipsCount, codesCount];
      var codesButton = el("button", { type: "submit", id: "codes-button", text: L.codes_button });
      var codesAlert = alertBox();
      var codesForm = el("form", { id: "codes-form", class: "inline-form" }, [field(L.codes_count, codesCount), codesButton]);
      codesForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var n = parseInt(codesCount.value, 10);
        codesButton.disabled = true; say(codesAlert, "");
        apiRetry("POST", path + "/enrollment-codes", { count: n }).then(function (res) {
          codesButton.disabled = false;
          if (!res.ok || !res.data) { say(codesAlert, problemText(res)); return; }
          cards = { id: id, title: info.title, community: info.community, codes: res.data.codes || [], fresh: true };
          reload(null);
        });
      });
      nodes.push(section(L.codes, [el("p", { text: L.codes_intro }), codesForm, codesAlert], { id: "codes" }));
      if (cards && cards.id === id && cards.codes.length) nodes.push(cardsSection());
    }

    // publicity and what still blocks final results
    if (state === "preliminary") {
      var until = info.publicity_until ? new Date(info.publicity_until) : null;
      var blockers = [];
      if (until && Date.now() < until.getTime()) blockers.push(t("publicity_blocked", { date: formatDate(info.publicity_until) }));
      if (info.appeals_pending > 0) blockers.push(t("appeals_blocking", { n: info.appeals_pending }));
      nodes.push(section(L.publicity, [
        info.publicity_until ? el("p", { text: t("publicity_until", { date: formatDate(info.publicity_until) }) }) : null,
        el("ul", { class: "blockers", id: "blockers" }, (blockers.length ? blockers : [L.ready_final]).map(function (b) {
          return el("li", { class: blockers.length ? "blocked" : "ready", text: b });
        }))
      ], { id: "publicity" }));
    }

    // appeals
    var resultsStage = state === "preliminary" || state === "final" || (state === "annulled" && info.preliminary_at);
    if (resultsStage) {
      var appealsBox = el("div", { id: "appeals-list" }, [el("p", { role: "status", text: L.loading })]);
      var appealNodes = [appealsBox];
      if (state === "preliminary" && (who.role === "admin" || who.role === "reviewer" || who.role === "operator")) {
        var subjectSelect = el("select", { id: "appeal-subject" }, [el("option", { value: "", text: L.appeal_whole })]);
        var groups = [["member", L.members], ["organization", L.branches]];
        groups.forEach(function (g) {
          var list = (info.subjects || []).filter(function (s) { return s.kind === g[0]; });
          if (!list.length) return;
          subjectSelect.appendChild(el("optgroup", { label: g[1] }, list.map(function (s) {
            return el("option", { value: s.id, text: s.name + (s.organization_name ? P.open + s.organization_name + P.close : "") });
          })));
        });
        var appealText = el("textarea", { id: "appeal-text", rows: "4", maxlength: "2000", required: true });
        var fileButton = el("button", { type: "submit", id: "file-appeal", text: L.file_button });
        var fileAlert = alertBox();
        var fileForm = el("form", { id: "appeal-form", class: "stack" }, [el("h3", { text: L.file_appeal }),
          field(L.appeal_subject, subjectSelect), field(L.appeal_text, appealText), fileButton, fileAlert]);
        fileForm.addEventListener("submit", function (e) {
          e.preventDefault();
          var body = { text: appealText.value.trim() };
          if (!body.text) { appealText.focus(); return; }
          if (subjectSelect.value) body.subject = subjectSelect.value;
          fileButton.disabled = true; say(fileAlert, "");
          apiRetry("POST", path + "/appeals", body).then(function (res) {
            fileButton.disabled = false;
            if (!res.ok) { say(fileAlert, problemText(res)); return; }
            reload(L.appeal_saved);
          });
        });
        appealNodes.push(fileForm);
      }
      nodes.push(section(L.appeals, appealNodes, { id: "appeals" }));
      api("GET", path + "/appeals").then(function (res) {
        appealsBox.textContent = "";
        if (!res.ok) { appealsBox.appendChild(el("p", { class: "message error", role: "alert", text: problemText(res) })); return; }
        var list = (res.data && res.data.appeals) || [];
        if (!list.length) { appealsBox.appendChild(el("p", { text: L.no_appeals })); return; }
        appealsBox.appendChild(el("ol", { class: "appeals" }, list.map(appealItem)));
        // After an upheld appeal the API lets the admin publish corrected preliminary results.
        if (state === "preliminary" && isAdmin() && actionsSection && list.some(function (a) { return a.outcome === "upheld"; })) {
          actionsSection.insertBefore(actionControl(L.republish_pre, L.republish_pre_q, function () {
            return apiRetry("POST", path + "/publish", { stage: "preliminary" });
          }, L.republished_pre), actionsSection.children[1] || null);
        }
      });
    }
    // 申诉 1, not a-1: the id is for the API.
    function appealName(id) { return t("appeal_number", { n: String(id).replace(/^a-/, "") }); }
    function appealItem(a) {
      var outcome = a.outcome === "upheld" ? L.outcome_upheld : a.outcome === "dismissed" ? L.outcome_rejected : L.outcome_pending;
      var item = el("li", { class: "appeal" + (a.outcome ? "" : " pending"), "data-appeal": a.id }, [
        el("p", { class: "appeal-head" }, [el("strong", { text: appealName(a.id) }), " · ",
          el("span", { text: a.subject ? (a.subject_name || a.subject) : L.appeal_whole }), " · ",
          el("span", { text: t("appeal_filed", { date: formatDate(a.filed_at) }) }), " · ",
          el("span", { class: "outcome " + (a.outcome || "pending"), text: L.appeal_outcome + P.colon + outcome })]),
        el("p", { class: "appeal-text", text: a.text }),
        a.note ? el("p", { class: "appeal-note", text: L.appeal_note + P.colon + a.note }) : null
      ]);
      if (!a.outcome && state === "preliminary") {
        if (isReviewer()) {
          // No outcome is chosen for the reviewer: the decision is theirs to make.
          var out = el("select", { id: nextId("outcome"), required: true }, [el("option", { value: "", text: L.match_choose }),
            el("option", { value: "upheld", text: L.resolve_upheld }), el("option", { value: "dismissed", text: L.resolve_rejected })]);
          var noteInput = el("textarea", { id: nextId("note"), rows: "3", maxlength: "2000", required: true });
          var button = el("button", { type: "submit", class: "resolve-button", text: L.resolve_button });
          var alert = alertBox();
          var form = el("form", { class: "resolve stack", "aria-label": L.resolve + P.colon + (a.subject_name || L.appeal_whole) + " · " + appealName(a.id) }, [field(L.resolve_outcome, out), field(L.appeal_note, noteInput), button, alert]);
          form.addEventListener("submit", function (e) {
            e.preventDefault();
            if (!out.value) { out.focus(); return; }
            if (!noteInput.value.trim()) { noteInput.focus(); return; }
            button.disabled = true; say(alert, "");
            apiRetry("POST", path + "/appeals/" + encodeURIComponent(a.id) + "/resolution", { outcome: out.value, note: noteInput.value.trim() }).then(function (res) {
              button.disabled = false;
              if (!res.ok) { say(alert, problemText(res)); return; }
              reload(L.resolved);
            });
          });
          item.appendChild(form);
        } else item.appendChild(el("p", { class: "help", text: L.only_reviewer }));
      }
      return item;
    }

    // downloads
    if (resultsStage || state === "annulled") {
      var dl = el("div", { id: "downloads-body" }, [el("p", { role: "status", text: L.loading })]);
      nodes.push(section(L.downloads, [dl], { id: "downloads" }));
      api("GET", path + "/results").then(function (res) {
        dl.textContent = "";
        if (!res.ok) { dl.appendChild(el("p", { class: "message", role: "status", text: problemText(res) })); return; }
        var items = [
          el("li", {}, [el("a", { href: "/api/v1" + path + "/results.xlsx", download: id + ".xlsx", id: "dl-xlsx", text: L.results_xlsx })]),
          el("li", {}, [el("a", { href: "/api/v1" + path + "/results.csv", download: id + ".csv", id: "dl-csv", text: L.results_csv })]),
          el("li", {}, [el("a", { href: "/board/" + encodeURIComponent(id) + langQuery, id: "dl-board", text: L.board_pdf })])
        ];
        dl.appendChild(el("ul", { class: "downloads" }, items));
        // The board's charts, drawn by the server (SVG with its own title and description).
        ["members", "organizations"].forEach(function (kind) {
          var figure = el("figure", { class: "chart-figure", id: "chart-" + kind });
          dl.appendChild(figure);
          fetch("/board/" + encodeURIComponent(id) + "/charts/" + kind + ".svg" + langQuery).then(function (r) {
            return r.ok ? r.text() : "";
          }).then(function (svg) { if (svg.indexOf("<svg") === 0) figure.innerHTML = svg; });
        });
        if (isReviewer()) {
          var bundleButton = el("button", { type: "button", id: "bundle-button", text: L.bundle_button });
          var bundleAlert = alertBox(), bundleStatus = el("p", { role: "status", class: "help" });
          bundleButton.addEventListener("click", function () {
            bundleButton.disabled = true; say(bundleAlert, ""); say(bundleStatus, L.downloading);
            api("GET", path + "/bundle", null, { blob: true }).then(function (r) {
              bundleButton.disabled = false;
              if (!r.ok) { say(bundleStatus, ""); say(bundleAlert, problemText(r)); return; }
              var url = URL.createObjectURL(r.blob);
              var a = el("a", { href: url, download: id + "-bundle.tar", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true", text: L.bundle });
              document.body.appendChild(a);
              a.click();
              a.remove();
              setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
              say(bundleStatus, L.bundle_done);
            });
          });
          dl.appendChild(el("div", { class: "stack" }, [el("h3", { text: L.bundle }), bundleButton, bundleAlert, bundleStatus]));
        }
      });
    }

    // links
    nodes.push(section(L.links, [el("ul", { class: "downloads" }, [
      el("li", {}, [el("a", { href: "/board/" + encodeURIComponent(id) + langQuery, id: "board-link", text: L.board })]),
      el("li", {}, [el("a", { href: "/api/v1" + path + "/definition.yaml", download: id + ".yaml", id: "definition-link", text: L.definition_yaml })]),
      el("li", {}, [el("a", { href: "#/", text: L.back_home })])
    ])], { id: "links" }));

    var h1 = page(info.title, nodes, { keepFocus: true });
    var cardsShown = cards && cards.id === id && cards.codes.length && document.getElementById("cards");
    if (cardsShown) document.body.classList.add("print-cards");
    if (cardsShown && cards.fresh) { cards.fresh = false; var ch = cardsShown.querySelector("h2"); ch.setAttribute("tabindex", "-1"); ch.focus(); }
    else if (flashNode) flashNode.focus(); else h1.focus();

    function refreshCounts() {
      api("GET", path).then(function (res) {
        if (myGen !== gen || !res.ok || !res.data) return;
        if (res.data.state !== state) { renderEvaluation(res.data, null, true); return; }
        showTurnout(res.data);
      });
    }
    if (state === "open") timers.push(setInterval(refreshCounts, 5000));
    if (state !== "final" && state !== "annulled") onReturn = refreshCounts;
  }

  function groupCode(c) { return String(c).replace(/[^A-Za-z0-9]/g, "").replace(/(.{4})(?=.)/g, "$1-"); }
  function cardsSection() {
    var address = baseURL + "/vote/" + cards.id;
    var printButton = el("button", { type: "button", id: "print-cards", class: "primary", text: L.print });
    printButton.addEventListener("click", function () { window.print(); });
    var grid = el("div", { class: "code-cards" }, cards.codes.map(function (c, i) {
      return el("div", { class: "code-card" }, [
        el("p", { class: "card-title", text: cards.title }),
        cards.community ? el("p", { class: "card-sub", text: cards.community }) : null,
        el("p", { class: "card-label", text: L.vote_address }),
        el("p", { class: "card-url", text: address }),
        el("p", { class: "card-label", text: L.code }),
        el("p", { class: "card-code", text: groupCode(c) }),
        el("p", { class: "card-instruction", text: L.card_instruction }),
        el("p", { class: "card-number", text: "No. " + (i + 1) })
      ]);
    }));
    return section(L.cards, [el("p", { class: "message noprint", text: t("codes_made", { n: cards.codes.length }) }), printButton, grid], { id: "cards" });
  }

  // ---- start ----
  window.addEventListener("hashchange", route);
  var saved = getKey();
  if (!saved) { signInPage(); return; }
  root.textContent = "";
  root.appendChild(el("p", { role: "status", text: L.loading }));
  api("GET", "/whoami").then(function (res) {
    if (res.ok && res.data && res.data.role) { who = res.data; route(); return; }
    if (res.status === 401 || res.status === 403) { setKey(null); signInPage(L.key_expired); return; }
    signInPage(problemText(res));
  });
})();
