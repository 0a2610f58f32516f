-- Run by tests/test_server_neovim.py in headless Neovim (0.7 or later): attach Neovim's own LSP client to
-- `torchlint server`, wait for the diagnostics of the buffer, apply the quick fix that registers the
-- tensor, wait for the diagnostics of the fixed text, and write what happened to $TL_OUT.
local out = vim.env.TL_OUT

local function finish(lines)
  local handle = io.open(out, "w")
  handle:write(table.concat(lines, "\n") .. "\n")
  handle:close()
  vim.cmd("qall!")
end

local function code_of(diagnostic)
  return diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code)
end

vim.cmd("edit " .. vim.fn.fnameescape(vim.env.TL_FILE))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "torchlint",
  cmd = vim.split(vim.env.TL_CMD, "\t"),
  root_dir = vim.fn.fnamemodify(vim.env.TL_FILE, ":p:h"),
})
vim.lsp.buf_attach_client(bufnr, client_id)

if not vim.wait(60000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20) then
  return finish({ "FAIL", "no diagnostics arrived" })
end
local diagnostic = vim.diagnostic.get(bufnr)[1]
local found = { "DIAGNOSTIC", code_of(diagnostic), diagnostic.lnum, diagnostic.col, diagnostic.message }

vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })
local client = vim.lsp.get_client_by_id(client_id)
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = {}, only = { "quickfix" } }
local response = client.request_sync("textDocument/codeAction", params, 30000, bufnr)
local chosen
for _, action in ipairs((response and response.result) or {}) do
  if action.title:find("^Register") then
    chosen = action
  end
end
if chosen == nil then
  return finish({ "FAIL", "no quick fix offered", vim.inspect(response) })
end
vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)

local cleared = vim.wait(60000, function() return #vim.diagnostic.get(bufnr) == 0 end, 20)
local lines = { "OK", table.concat(found, "\t"), "ACTION\t" .. chosen.title, "CLEARED\t" .. tostring(cleared), "TEXT" }
for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
  table.insert(lines, line)
end
client.stop()
finish(lines)
