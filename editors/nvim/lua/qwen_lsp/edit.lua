--- Inserting accepted text as its own undo step.
local M = {}

--- Close the current undo block (`:help undo-break`): the next change is undone on its own,
--- even in the middle of Insert mode.
function M.break_undo()
  vim.o.undolevels = vim.o.undolevels
end

--- Replace [{row, col}, {end_row, end_col}) with `text`, put the cursor after it, and make it one
--- undo step, apart from what was typed before and after it.
---@param bufnr integer
---@param text string
---@return integer row, integer col where the cursor ends (0-based row, byte column)
function M.insert(bufnr, row, col, end_row, end_col, text)
  local lines = vim.split(text, '\n', { plain = true })
  local last_row = row + #lines - 1
  local last_col = (#lines == 1 and col or 0) + #lines[#lines]
  M.break_undo()
  vim.api.nvim_buf_set_text(bufnr, row, col, end_row, end_col, lines)
  vim.api.nvim_win_set_cursor(0, { last_row + 1, last_col })
  M.break_undo()
  return last_row, last_col
end

return M
