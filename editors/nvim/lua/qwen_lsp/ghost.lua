--- Draws one suggestion as ghost text: inline virtual text for the first line, virtual lines
--- below for the rest.
local M = {}

M.ns = vim.api.nvim_create_namespace('qwen_lsp.ghost')

vim.api.nvim_set_hl(0, 'QwenLspSuggestion', { link = 'Comment', default = true })
vim.api.nvim_set_hl(0, 'QwenLspSuggestionHint', { link = 'NonText', default = true })

---@param bufnr integer
---@param s qwen_lsp.Suggestion
---@param hint? string drawn after the suggestion, e.g. "(2/3)" when there are several
function M.show(bufnr, s, hint)
  M.hide(bufnr)
  local lines = vim.split(s.text, '\n', { plain = true })
  local first = lines[1]
  if s.end_row == s.start_row and s.end_col > s.start_col then
    -- The text replaces characters already on screen (a closing bracket): draw them once.
    local line = vim.api.nvim_buf_get_lines(bufnr, s.start_row, s.start_row + 1, false)[1] or ''
    local replaced = line:sub(s.start_col + 1, s.end_col)
    if vim.endswith(first, replaced) then
      first = first:sub(1, #first - #replaced)
    end
  end
  local virt_text = first ~= '' and { { first, 'QwenLspSuggestion' } } or {}
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], 'QwenLspSuggestion' } }
  end
  if hint then
    table.insert(virt_lines[#virt_lines] or virt_text, { ' ' .. hint, 'QwenLspSuggestionHint' })
  end
  vim.api.nvim_buf_set_extmark(bufnr, M.ns, s.start_row, s.start_col, {
    virt_text = #virt_text > 0 and virt_text or nil,
    virt_text_pos = #virt_text > 0 and 'inline' or nil,
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = 'combine',
  })
end

---@param bufnr integer
function M.hide(bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

return M
